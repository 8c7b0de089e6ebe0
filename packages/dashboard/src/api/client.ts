// The dashboard's only way to the server: HTTP API v1 over fetch, with the session cookie sent by
// the browser and the CSRF token added to every request that changes state (the contract's rule).
import type {
  AlarmDto, AlarmList, AlarmListParams, CommandKindDto, CommandResult, EnrollmentToken, FleetSummary, IntervalPoint, Intervals,
  MeterDetail, MeterList, MeterListQuery, PowerQuality, ProtectionDto, ProtectionFleetDto, QualityDays, Readings, Rollups, Session,
  TariffVersionDto, RunDto, BillSummary, RunningCharges, WeeklyPowerQuality, CampaignBody, CampaignDetail, CampaignDto, FirmwareImageDto,
} from '@phasewire/api';

/** An account as GET /billing/accounts lists it (the fields the billing page shows). */
export interface BillingAccount {
  readonly id: string;
  readonly name: string;
  readonly tariffs: readonly { readonly tariffId: string; readonly from: string; readonly to: string | null }[];
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** A refusal or failure reported by the API, with its stable code and the field it names. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/** A query's fields, each of which may be left undefined (then it is left out of the query string). */
type Leavable<Query> = { readonly [K in keyof Query]?: Query[K] | undefined };

export type MeterQuery = Leavable<MeterListQuery>;
export type AlarmQuery = Leavable<AlarmListParams>;

export interface Range {
  readonly from: string;
  readonly to: string;
}

/** `?a=1&b=x` from the defined, non-empty entries, in insertion order; '' when none. */
export function queryString(params: Readonly<Record<string, string | number | undefined>>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === '') continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class ApiClient {
  readonly #fetch: Fetch;
  readonly #base: string;
  #csrf: string | undefined;

  constructor(fetchFn: Fetch, base = '/api/v1') {
    this.#fetch = fetchFn;
    this.#base = base;
  }

  /** Whether a CSRF token is held (i.e. a session was opened or restored). */
  get signedIn(): boolean {
    return this.#csrf !== undefined;
  }

  async #request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (unsafe.has(method) && this.#csrf !== undefined) headers['x-csrf-token'] = this.#csrf;
    const init: RequestInit = { method, headers, credentials: 'same-origin' };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await this.#fetch(`${this.#base}${path}`, init);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page, say): reported below with the status.
    }
    if (!response.ok) throw toApiError(response.status, method, path, parsed);
    return parsed as T;
  }

  async login(username: string, password: string): Promise<Session> {
    const session = await this.#request<Session>('POST', '/session', { username, password });
    this.#csrf = session.csrfToken;
    return session;
  }

  /** The current session, or undefined when the cookie is missing or expired (401). */
  async restore(): Promise<Session | undefined> {
    try {
      const session = await this.#request<Session>('GET', '/session');
      this.#csrf = session.csrfToken;
      return session;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return undefined;
      throw error;
    }
  }

  async logout(): Promise<void> {
    await this.#request<undefined>('DELETE', '/session');
    this.#csrf = undefined;
  }

  fleetSummary(): Promise<FleetSummary> {
    return this.#request('GET', '/fleet/summary');
  }

  meters(query: MeterQuery): Promise<MeterList> {
    return this.#request('GET', `/meters${queryString({ ...query })}`);
  }

  meter(id: string): Promise<MeterDetail> {
    return this.#request('GET', `/meters/${encodeURIComponent(id)}`);
  }

  readings(id: string, quantity: string, range: Range): Promise<Readings> {
    return this.#request('GET', `/meters/${encodeURIComponent(id)}/readings${queryString({ quantity, ...range })}`);
  }

  async rollups(id: string, quantity: string, period: 'hour' | 'day' | 'month', range: Range): Promise<Rollups['points']> {
    const body =
      await this.#request<Rollups>('GET', `/meters/${encodeURIComponent(id)}/rollups${queryString({ quantity, period, ...range })}`);
    return body.points;
  }

  async intervals(id: string, quantity: string, range: Range): Promise<readonly IntervalPoint[]> {
    const body = await this.#request<Intervals>('GET', `/meters/${encodeURIComponent(id)}/intervals${queryString({ quantity, ...range })}`);
    return body.points;
  }

  async quality(id: string, range: Range): Promise<QualityDays['days']> {
    const body = await this.#request<QualityDays>('GET', `/meters/${encodeURIComponent(id)}/quality${queryString({ ...range })}`);
    return body.days;
  }

  powerQuality(id: string, range: Range): Promise<PowerQuality> {
    return this.#request('GET', `/meters/${encodeURIComponent(id)}/power-quality${queryString({ ...range })}`);
  }

  /** The EN 50160 weekly report of a meter (docs/power-quality.md): an ISO week in a zone, the API's defaults when absent. */
  weeklyPowerQuality(id: string, week?: string, zone?: string): Promise<WeeklyPowerQuality> {
    return this.#request('GET', `/meters/${encodeURIComponent(id)}/power-quality/weekly${queryString({ week, zone })}`);
  }

  /** Where the browser downloads the weekly report as CSV (analyst and above) or PDF. */
  weeklyPowerQualityUrl(id: string, format: 'csv' | 'pdf', week?: string, zone?: string): string {
    return `${this.#base}/meters/${encodeURIComponent(id)}/power-quality/weekly.${format}${queryString({ week, zone })}`;
  }

  /** The protection settings the meter confirmed and its trips (newest first). */
  protection(id: string): Promise<ProtectionDto> {
    return this.#request('GET', `/meters/${encodeURIComponent(id)}/protection`);
  }

  /** The tenant's latest trips with their pre-trip values, and its meters whose relay is open. */
  protectionTrips(limit = 100): Promise<ProtectionFleetDto> {
    return this.#request('GET', `/protection/trips${queryString({ limit })}`);
  }

  alarms(query: AlarmQuery): Promise<AlarmList> {
    return this.#request('GET', `/alarms${queryString({ ...query })}`);
  }

  acknowledge(alarmId: string, note: string): Promise<AlarmDto> {
    return this.#request('POST', `/alarms/${encodeURIComponent(alarmId)}/acknowledge`, { note });
  }

  command(meterId: string, kind: CommandKindDto): Promise<CommandResult> {
    return this.#request('POST', `/meters/${encodeURIComponent(meterId)}/commands`, { kind });
  }

  /** What is known of a command sent before: pending, or its answer once it came. */
  commandResult(meterId: string, commandId: string): Promise<CommandResult> {
    return this.#request('GET', `/meters/${encodeURIComponent(meterId)}/commands/${encodeURIComponent(commandId)}`);
  }

  revoke(meterId: string, reason: string): Promise<MeterDetail> {
    return this.#request('POST', `/meters/${encodeURIComponent(meterId)}/revoke`, { reason });
  }

  enrollmentToken(serial: string, expiresInHours?: number): Promise<EnrollmentToken> {
    return this.#request('POST', '/enrollment-tokens', expiresInHours === undefined ? { serial } : { serial, expiresInHours });
  }

  // ── firmware (routes-firmware.ts): the repository's images and the campaigns offering them

  async firmwareImages(): Promise<readonly FirmwareImageDto[]> {
    return (await this.#request<{ images: FirmwareImageDto[] }>('GET', '/firmware/images')).images;
  }

  async campaigns(): Promise<readonly CampaignDto[]> {
    return (await this.#request<{ campaigns: CampaignDto[] }>('GET', '/firmware/campaigns')).campaigns;
  }

  campaign(id: string): Promise<CampaignDetail> {
    return this.#request('GET', `/firmware/campaigns/${encodeURIComponent(id)}`);
  }

  startCampaign(body: CampaignBody): Promise<CampaignDetail> {
    return this.#request('POST', '/firmware/campaigns', body);
  }

  campaignAction(id: string, action: 'pause' | 'resume' | 'abort'): Promise<CampaignDetail> {
    return this.#request('POST', `/firmware/campaigns/${encodeURIComponent(id)}/${action}`);
  }

  // ── billing (routes-billing.ts, routes-bills.ts): the billing role's views

  async tariffs(): Promise<readonly TariffVersionDto[]> {
    return (await this.#request<{ items: TariffVersionDto[] }>('GET', '/billing/tariffs')).items;
  }

  async billRuns(): Promise<readonly RunDto[]> {
    return (await this.#request<{ items: RunDto[] }>('GET', '/billing/runs')).items;
  }

  async billingAccounts(): Promise<readonly BillingAccount[]> {
    return (await this.#request<{ items: BillingAccount[] }>('GET', '/billing/accounts')).items;
  }

  /** The open period's charges so far: an estimate, never a bill. */
  runningCharges(account: string): Promise<RunningCharges> {
    return this.#request('GET', `/billing/accounts/${encodeURIComponent(account)}/running`);
  }

  startBillRun(cycle: string): Promise<RunDto> {
    return this.#request('POST', '/billing/runs', { cycle });
  }

  async bills(query: { readonly cycle?: string | undefined; readonly account?: string | undefined }): Promise<readonly BillSummary[]> {
    return (await this.#request<{ items: BillSummary[] }>('GET', `/billing/bills${queryString({ ...query, limit: 1000 })}`)).items;
  }

  bill(id: string): Promise<BillDetailView> {
    return this.#request('GET', `/billing/bills/${encodeURIComponent(id)}`);
  }

  async billIntervals(id: string, determinant: string): Promise<readonly BillIntervalPoint[]> {
    const path = `/billing/bills/${encodeURIComponent(id)}/intervals${queryString({ determinant })}`;
    return (await this.#request<{ points: BillIntervalPoint[] }>('GET', path)).points;
  }

  /** Where the browser downloads a bill's export (the session cookie goes with a plain link). */
  billExportUrl(id: string, format: 'bill.pdf' | 'greenbutton.xml'): string {
    return `${this.#base}/billing/bills/${encodeURIComponent(id)}/${format}`;
  }
}

/** A bill line as the API passes it through (the billing engine's BillLine). */
export interface BillLineView {
  readonly componentId: string;
  readonly kind: string;
  readonly description: string;
  readonly quantity: string;
  readonly unit: string;
  readonly rate: string;
  readonly amount: { readonly currency: string; readonly minor: number };
  readonly determinant: string | null;
  readonly start: string;
  readonly end: string;
}

interface DeterminantView { readonly id: string; readonly quantity: string; readonly unit: string }

/** One part of the bill's determinants (the billing engine's PartDeterminants), as the bill page shows it. */
export interface PartView {
  readonly start: string;
  readonly end: string;
  readonly tariffVersion: number;
  readonly importKwh: DeterminantView;
  readonly exportKwh: DeterminantView;
  readonly reactiveImportKvarh: DeterminantView;
  readonly buckets: readonly DeterminantView[];
  readonly demands: readonly (DeterminantView & { readonly at: number | null; readonly windowMinutes: number })[];
  readonly averagePf: number | null;
  readonly quality: { readonly expected: number; readonly completeness: number; readonly estimatedShare: number;
    readonly editedShare: number };
}

export interface BillDetailView extends BillSummary {
  readonly meters: readonly { readonly meter: string; readonly from: string; readonly to: string | null }[];
  readonly period: { readonly start: string; readonly end: string };
  readonly tariffId: string;
  readonly tariffVersions: readonly number[];
  readonly lines: readonly BillLineView[];
  readonly determinants: { readonly parts: readonly PartView[] };
}

export interface BillIntervalPoint {
  readonly end: string;
  readonly meter: string;
  readonly importWh: number | null;
  readonly quality: string;
}

function toApiError(status: number, method: string, path: string, body: unknown): ApiError {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const error = body.error;
    if (typeof error === 'object' && error !== null) {
      const { code, message, field } = error as { code?: unknown; message?: unknown; field?: unknown };
      if (typeof code === 'string' && typeof message === 'string') {
        return new ApiError(status, code, message, typeof field === 'string' ? field : undefined);
      }
    }
  }
  return new ApiError(status, 'PW_ERR_API_HTTP', `${method} ${path} failed with HTTP ${status} and no error body`);
}
