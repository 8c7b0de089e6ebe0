// The campaign store over any SqlConnection (the billing store's SQLite and PostgreSQL connections,
// sqlite-campaign-store.ts, postgres-campaign-store.ts): every statement is written once, here.
// Structured fields (selector, waves, window, tags) are JSON text; a row that does not read back is
// a store error, not a campaign.
import { PhasewireError, StoreError, ValidationError } from '@phasewire/core';
import { firmwareStates, type FirmwareState } from '@phasewire/core/protocol';
import type {
  CampaignDeviceQuery, CampaignDeviceRecord, CampaignRecord, CampaignStateCount, CampaignStatus, CampaignStore, DeviceLabels,
} from '../../campaign-state.ts';
import type { SqlConnection, SqlRunner, SqlValue } from '../billing/sql-billing-store.ts';

type Row = Record<string, SqlValue>;

const text = (row: Row, key: string): string => String(row[key]);
const num = (row: Row, key: string): number => Number(row[key]);
const nullable = (row: Row, key: string): string | null => (row[key] === null ? null : String(row[key]));

function stateOf(value: string): FirmwareState {
  if (!(firmwareStates as readonly string[]).includes(value)) {
    throw new StoreError('PW_ERR_STORE_READ', `A campaign device row holds state ${JSON.stringify(value)}, expected one of ${
      firmwareStates.join(', ')}`);
  }
  return value as FirmwareState;
}

const campaignOfRow = (row: Row): CampaignRecord => ({
  id: text(row, 'id'), name: text(row, 'name'), target: text(row, 'target'), version: text(row, 'version'),
  selector: JSON.parse(text(row, 'selector')) as CampaignRecord['selector'], waves: JSON.parse(text(row, 'waves')) as number[],
  failureThreshold: num(row, 'failure_threshold'),
  window: row['maintenance_window'] === null ? null : JSON.parse(text(row, 'maintenance_window')) as CampaignRecord['window'],
  status: text(row, 'status') as CampaignStatus, wave: num(row, 'wave'), statusReason: nullable(row, 'status_reason'),
  acceptedFailures: num(row, 'accepted_failures'), createdBy: text(row, 'created_by'), createdAt: num(row, 'created_at'),
  updatedAt: num(row, 'updated_at'),
});

const campaignValues = (c: CampaignRecord): SqlValue[] => [
  c.id, c.name, c.target, c.version, JSON.stringify(c.selector), JSON.stringify(c.waves), c.failureThreshold,
  c.window === null ? null : JSON.stringify(c.window), c.status, c.wave, c.statusReason, c.acceptedFailures, c.createdBy, c.createdAt,
  c.updatedAt,
];
const campaignColumns = 'id, name, target, version, selector, waves, failure_threshold, maintenance_window, status, wave, status_reason, '
  + 'accepted_failures, created_by, created_at, updated_at';

const deviceOfRow = (row: Row): CampaignDeviceRecord => ({
  campaign: text(row, 'campaign'), device: text(row, 'device'), wave: num(row, 'wave'), state: stateOf(text(row, 'state')),
  reason: nullable(row, 'reason'), command: nullable(row, 'command'), updatedAt: num(row, 'updated_at'),
});
const deviceValues = (d: CampaignDeviceRecord): SqlValue[] => [d.campaign, d.device, d.wave, d.state, d.reason, d.command, d.updatedAt];

/** Rows per multi-row INSERT: 7 parameters each, well under SQLite's 32 766 and PostgreSQL's 65 535. */
const chunk = 500;

export class SqlCampaignStore implements CampaignStore {
  readonly #sql: SqlConnection;
  #closed = false;

  constructor(sql: SqlConnection) {
    this.#sql = sql;
  }

  async #do<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreError('PW_ERR_STORE_CLOSED', `Cannot use the ${this.#sql.kind} campaign store: it was closed`);
    try {
      return await work();
    } catch (error) {
      if (error instanceof PhasewireError) throw error;
      throw new StoreError('PW_ERR_STORE_WRITE', `${what} in the ${this.#sql.kind} campaign store failed: ${(error as Error).message}`,
        { cause: error });
    }
  }

  static async #putDevices(tx: SqlRunner, devices: readonly CampaignDeviceRecord[]): Promise<void> {
    for (let i = 0; i < devices.length; i += chunk) {
      const part = devices.slice(i, i + chunk);
      await tx.run('INSERT INTO campaign_device (campaign, device, wave, state, reason, command, updated_at) VALUES '
        + part.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')
        + ' ON CONFLICT (campaign, device) DO UPDATE SET wave = excluded.wave, state = excluded.state, reason = excluded.reason, '
        + 'command = excluded.command, updated_at = excluded.updated_at', part.flatMap(deviceValues));
    }
  }

  createCampaign(campaign: CampaignRecord, devices: readonly CampaignDeviceRecord[]): Promise<void> {
    return this.#do(`Creating campaign ${campaign.id}`, () => this.#sql.transaction(async (tx) => {
      if ((await tx.all('SELECT id FROM campaign WHERE id = ?', [campaign.id])).length > 0) {
        throw new ValidationError('PW_ERR_CAMPAIGN_INVALID', `Cannot create campaign ${campaign.id}: a campaign of that id exists`);
      }
      await tx.run(`INSERT INTO campaign (${campaignColumns}) VALUES (${campaignValues(campaign).map(() => '?').join(', ')})`,
        campaignValues(campaign));
      await SqlCampaignStore.#putDevices(tx, devices);
    }));
  }

  campaign(id: string): Promise<CampaignRecord | undefined> {
    return this.#do(`Reading campaign ${id}`, async () => (await this.#sql.all<Row>('SELECT * FROM campaign WHERE id = ?', [id]))
      .map(campaignOfRow)[0]);
  }

  campaigns(): Promise<readonly CampaignRecord[]> {
    return this.#do('Listing campaigns', async () => (await this.#sql.all<Row>('SELECT * FROM campaign ORDER BY created_at DESC, id'))
      .map(campaignOfRow));
  }

  commitCampaign(change: { readonly campaign?: CampaignRecord; readonly devices: readonly CampaignDeviceRecord[] }): Promise<void> {
    const { campaign, devices } = change;
    return this.#do(`Writing campaign ${campaign?.id ?? devices[0]?.campaign ?? ''}`, () => this.#sql.transaction(async (tx) => {
      if (campaign !== undefined) {
        const values = campaignValues(campaign);
        const updated = await tx.run(`UPDATE campaign SET ${campaignColumns.split(', ').slice(1).map((c) => `${c} = ?`).join(', ')} `
          + 'WHERE id = ?', [...values.slice(1), campaign.id]);
        if (updated === 0) {
          throw new ValidationError('PW_ERR_CAMPAIGN_NOT_FOUND', `Cannot update campaign ${campaign.id}: no such campaign`);
        }
      }
      await SqlCampaignStore.#putDevices(tx, devices);
    }));
  }

  device(campaign: string, device: string): Promise<CampaignDeviceRecord | undefined> {
    return this.#do(`Reading device ${device} of campaign ${campaign}`, async () => (await this.#sql.all<Row>(
      'SELECT * FROM campaign_device WHERE campaign = ? AND device = ?', [campaign, device])).map(deviceOfRow)[0]);
  }

  devices(campaign: string, query: CampaignDeviceQuery = {}): Promise<readonly CampaignDeviceRecord[]> {
    const where = ['campaign = ?'];
    const params: SqlValue[] = [campaign];
    if (query.wave !== undefined) { where.push('wave = ?'); params.push(query.wave); }
    if (query.states !== undefined) {
      if (query.states.length === 0) return Promise.resolve([]);
      where.push(`state IN (${query.states.map(() => '?').join(', ')})`);
      params.push(...query.states);
    }
    const limit = query.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(query.limit))}`;
    return this.#do(`Listing the devices of campaign ${campaign}`, async () => (await this.#sql.all<Row>(
      `SELECT * FROM campaign_device WHERE ${where.join(' AND ')} ORDER BY device${limit}`, params)).map(deviceOfRow));
  }

  counts(campaign: string): Promise<readonly CampaignStateCount[]> {
    return this.#do(`Counting the devices of campaign ${campaign}`, async () => (await this.#sql.all<Row>(
      'SELECT wave, state, COUNT(*) AS n FROM campaign_device WHERE campaign = ? GROUP BY wave, state ORDER BY wave, state', [campaign]))
      .map((row) => ({ wave: num(row, 'wave'), state: stateOf(text(row, 'state')), count: num(row, 'n') })));
  }

  putLabels(labels: DeviceLabels): Promise<void> {
    return this.#do(`Labelling device ${labels.device}`, () => this.#sql.transaction(async (tx) => {
      if (labels.group === null && labels.tags.length === 0) {
        await tx.run('DELETE FROM device_label WHERE device = ?', [labels.device]);
        return;
      }
      await tx.run('INSERT INTO device_label (device, grp, tags) VALUES (?, ?, ?) ON CONFLICT (device) DO UPDATE SET grp = excluded.grp, '
        + 'tags = excluded.tags', [labels.device, labels.group, JSON.stringify([...new Set(labels.tags)].sort())]);
    }));
  }

  labels(): Promise<readonly DeviceLabels[]> {
    return this.#do('Reading device labels', async () => (await this.#sql.all<Row>('SELECT * FROM device_label ORDER BY device'))
      .map((row) => ({ device: text(row, 'device'), group: nullable(row, 'grp'), tags: JSON.parse(text(row, 'tags')) as string[] })));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#sql.close();
  }
}
