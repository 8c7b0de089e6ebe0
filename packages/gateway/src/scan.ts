// Finding meters on a bus: ask every unit id the profiles' identify probes with a short timeout.
// A unit that stays silent to the first probe is taken as absent (one timeout per empty id, so a
// scan of 1..247 at 9600 baud costs about 247 × (request + timeout)). A unit that answers
// anything (values, an exception) is present. Behind a Modbus/TCP gateway, exceptions 0x0A and
// 0x0B (path unavailable, target failed to respond: Modbus Application Protocol V1.1b3 §7) are the
// gateway saying that no device answered, so they count as silence, not as a device.
//
// A model is named only on positive evidence: an identity register or a device-identification
// object (function 43 / MEI 14) holding what the profile expects, or, for a profile whose probe
// only asks that a register exists ("responds"), that register answering *and* the profile's own
// register map reading a live meter's values (plausibility.ts: a frequency of 45–65 Hz, a phase
// near a nominal voltage). That a register answers is no evidence alone: a generic device with a
// block of zero registers answers every such probe. Specific probes are tried first.
import {
  ExceptionCode, ModbusExceptionError, ReadDeviceIdCode, decodeImage, deviceObjectText, planReads, probeSpecificity, registerImage,
  registersMatch, registersText, readRaw, textMatches, type DeviceProfile, type ModbusClient, type IdentifyProbe,
} from '@phasewire/modbus';
import { outcomeOf } from './bus-stats.ts';
import { implausibilities, plausibilityQuantities, plausibleSummary } from './plausibility.ts';
import { readPlanned } from './read-planned.ts';

export interface ScanOptions {
  /** Unit ids to try (default 1..247, the serial line's individual addresses). */
  readonly units?: readonly number[];
  /** Per probe (default 100 ms). */
  readonly timeoutMs?: number;
}

export interface FoundDevice {
  readonly unit: number;
  /** The matching profile's model, or undefined for a device no profile recognises. */
  readonly model: string | undefined;
  /** Why the model was named, or why none was: what the device answered. */
  readonly evidence: string;
}

/** `evidence` is left out for an answer that says nothing but that the model's register or function is not there. */
type ProbeResult =
  | { readonly kind: 'silent' }
  | { readonly kind: 'answered'; readonly evidence?: string }
  | { readonly kind: 'match'; readonly evidence: string };
type Answer = { kind: 'answered' | 'match'; evidence: string };

const hex = (address: number): string => `0x${address.toString(16).toUpperCase().padStart(4, '0')}`;
const where = (probe: IdentifyProbe & { kind: 'register' }): string => `register ${hex(probe.address)} (function ${probe.functionCode})`;

/** The probe's answer, and what it shows. */
async function askProbe(client: ModbusClient, unit: number, probe: IdentifyProbe, timeoutMs: number): Promise<Answer> {
  if (probe.kind === 'device-id') {
    const id = await client.readDeviceIdentification(unit, ReadDeviceIdCode.Specific, { timeoutMs, objectId: probe.objectId });
    const value = id.objects.get(probe.objectId);
    const text = value === undefined ? undefined : deviceObjectText(value);
    const evidence = `device identification object ${probe.objectId} ${text === undefined ? 'is absent' : `is ${JSON.stringify(text)}`}`;
    return { kind: text !== undefined && textMatches(probe.expect, text) ? 'match' : 'answered', evidence };
  }
  const read = { functionCode: probe.functionCode, address: probe.address, count: probe.count };
  const words = await readPlanned(client, unit, read, timeoutMs);
  if (probe.expect.kind === 'responds') return { kind: 'answered', evidence: `${where(probe)} answers` };
  const shown = probe.type === 'ascii' ? JSON.stringify(registersText(words)) : String(readRaw(probe.type, words, probe.order));
  return { kind: registersMatch(probe, words) ? 'match' : 'answered', evidence: `identity ${where(probe)} holds ${shown}` };
}

/** A "responds" profile's evidence: its register map reads a live meter's values. */
async function readsLiveValues(
  client: ModbusClient, unit: number, profile: DeviceProfile, timeoutMs: number,
): Promise<{ live: boolean; evidence: string }> {
  const points = profile.points.filter((point) => plausibilityQuantities.includes(point.obis));
  const mapsFrequency = points.some((point) => point.quantity.key === 'frequency');
  if (!mapsFrequency || points.length < 2) {
    return { live: false, evidence: 'its profile maps no frequency and phase voltage to judge the values by' };
  }
  const results: { read: ReturnType<typeof planReads>[number]; values: Uint16Array }[] = [];
  for (const read of planReads({ points, maxRegistersPerRead: profile.maxRegistersPerRead })) {
    results.push({ read, values: await readPlanned(client, unit, read, timeoutMs) });
  }
  const values = decodeImage(points, registerImage(results));
  const problems = implausibilities(values);
  return problems.length === 0
    ? { live: true, evidence: `its register map reads a live meter (${plausibleSummary(values)})` }
    : { live: false, evidence: `its register map reads no live meter (${problems.join('; ')})` };
}

const gatewaySilence = (error: unknown): boolean => error instanceof ModbusExceptionError
  && (error.exceptionCode === ExceptionCode.GatewayPathUnavailable
    || error.exceptionCode === ExceptionCode.GatewayTargetDeviceFailedToRespond);
const notThere = (error: unknown): boolean => error instanceof ModbusExceptionError
  && (error.exceptionCode === ExceptionCode.IllegalFunction || error.exceptionCode === ExceptionCode.IllegalDataAddress);
const messageOf = (error: unknown): string => error instanceof Error ? error.message : String(error);

async function runProbe(client: ModbusClient, unit: number, profile: DeviceProfile, timeoutMs: number): Promise<ProbeResult> {
  let answer: Answer;
  try {
    answer = await askProbe(client, unit, profile.identify, timeoutMs);
  } catch (error) {
    if (gatewaySilence(error) || outcomeOf(error) === 'timeout') return { kind: 'silent' };
    return notThere(error) ? { kind: 'answered' } : { kind: 'answered', evidence: messageOf(error) };
  }
  if (profile.identify.expect.kind !== 'responds') return answer;
  try {
    const check = await readsLiveValues(client, unit, profile, timeoutMs);
    return check.live
      ? { kind: 'match', evidence: `${answer.evidence} and ${check.evidence}` }
      : { kind: 'answered', evidence: `${answer.evidence} but ${check.evidence}` };
  } catch (error) {
    return { kind: 'answered', evidence: `${answer.evidence} but its register map cannot be read (${messageOf(error)})` };
  }
}

/** The devices found, in unit order, each with the evidence for its model (or for none). */
export async function scanBus(client: ModbusClient, profiles: readonly DeviceProfile[], options: ScanOptions = {}): Promise<FoundDevice[]> {
  const units = options.units ?? Array.from({ length: 247 }, (_, i) => i + 1);
  const timeoutMs = options.timeoutMs ?? 100;
  const ordered = profiles.map((profile, index) => ({ profile, index }))
    .sort((a, b) => probeSpecificity(b.profile.identify) - probeSpecificity(a.profile.identify) || a.index - b.index)
    .map((entry) => entry.profile);
  const found: FoundDevice[] = [];
  for (const unit of units) {
    let present = false;
    let match: { model: string; evidence: string } | undefined;
    const misses: string[] = [];
    for (const profile of ordered) {
      const result = await runProbe(client, unit, profile, timeoutMs);
      if (result.kind === 'silent' && !present) break;
      if (result.kind === 'silent') continue;
      present = true;
      if (result.kind === 'match') {
        match = { model: profile.model, evidence: result.evidence };
        break;
      }
      if (result.evidence !== undefined) misses.push(`${profile.model}: ${result.evidence}`);
    }
    if (!present) continue;
    found.push(match === undefined
      ? { unit, model: undefined, evidence: `no profile's identity matched${misses.length === 0 ? '' : ` (${misses.join('; ')})`}` }
      : { unit, model: match.model, evidence: match.evidence });
  }
  return found;
}
