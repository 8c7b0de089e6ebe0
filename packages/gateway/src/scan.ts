// Finding meters on a bus: ask every unit id the profiles' identify probes with a short timeout.
// A unit that stays silent to the first probe is taken as absent (one timeout per empty id, so a
// scan of 1..247 at 9600 baud costs about 247 × (request + timeout)). A unit that answers
// anything (values, an exception) is present; the first probe that matches names its model.
// Specific probes (an identification value or text) are tried before "responds" probes, which
// only say that a register exists. Behind a Modbus/TCP gateway, exceptions 0x0A and 0x0B (path
// unavailable, target failed to respond: Modbus Application Protocol V1.1b3 §7) are the gateway
// saying that no device answered, so they count as silence, not as a device.
import {
  ExceptionCode, ModbusExceptionError, ReadDeviceIdCode, deviceObjectText, probeSpecificity, registersMatch, textMatches, type DeviceProfile, type ModbusClient,
} from '@phasewire/modbus';
import { outcomeOf } from './bus-stats.ts';
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
}

type ProbeResult = 'match' | 'answered' | 'silent';

async function runProbe(client: ModbusClient, unit: number, profile: DeviceProfile, timeoutMs: number): Promise<ProbeResult> {
  const probe = profile.identify;
  try {
    if (probe.kind === 'device-id') {
      const id = await client.readDeviceIdentification(unit, ReadDeviceIdCode.Specific, { timeoutMs, objectId: probe.objectId });
      const value = id.objects.get(probe.objectId);
      return value !== undefined && textMatches(probe.expect, deviceObjectText(value)) ? 'match' : 'answered';
    }
    const words = await readPlanned(client, unit, { functionCode: probe.functionCode, address: probe.address, count: probe.count }, timeoutMs);
    return registersMatch(probe, words) ? 'match' : 'answered';
  } catch (error) {
    if (error instanceof ModbusExceptionError
      && (error.exceptionCode === ExceptionCode.GatewayPathUnavailable || error.exceptionCode === ExceptionCode.GatewayTargetDeviceFailedToRespond)) return 'silent';
    return outcomeOf(error) === 'timeout' ? 'silent' : 'answered';
  }
}

/** The devices found, in unit order. */
export async function scanBus(client: ModbusClient, profiles: readonly DeviceProfile[], options: ScanOptions = {}): Promise<FoundDevice[]> {
  const units = options.units ?? Array.from({ length: 247 }, (_, i) => i + 1);
  const timeoutMs = options.timeoutMs ?? 100;
  const ordered = profiles.map((profile, index) => ({ profile, index }))
    .sort((a, b) => probeSpecificity(b.profile.identify) - probeSpecificity(a.profile.identify) || a.index - b.index)
    .map((entry) => entry.profile);
  const found: FoundDevice[] = [];
  for (const unit of units) {
    let present = false;
    let model: string | undefined;
    for (const profile of ordered) {
      const result = await runProbe(client, unit, profile, timeoutMs);
      if (result === 'silent' && !present) break;
      if (result !== 'silent') present = true;
      if (result === 'match') {
        model = profile.model;
        break;
      }
    }
    if (present) found.push({ unit, model });
  }
  return found;
}
