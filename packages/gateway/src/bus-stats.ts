// Per-device bus statistics: what each exchange cost and how it failed. Latencies keep the last
// 512 samples per device (bounded memory on a gateway that runs for years); percentiles are
// nearest-rank over that window.
import { hasCode } from '@phasewire/core';
import { ModbusExceptionError } from '@phasewire/modbus';

const WINDOW = 512;

export interface DeviceStats {
  readonly requests: number;
  readonly responses: number;
  readonly crcErrors: number;
  readonly timeouts: number;
  readonly exceptions: number;
  readonly otherErrors: number;
  readonly polls: number;
  readonly failedPolls: number;
  readonly quarantines: number;
  readonly probes: number;
  readonly quarantined: boolean;
  /** Milliseconds from sending a read to its answer, over the last 512 answered reads. */
  readonly latency: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly samples: number };
}

export type Outcome = 'ok' | 'crc' | 'timeout' | 'exception' | 'other';

/** Classifies a failed exchange by its error code. */
export function outcomeOf(error: unknown): Outcome {
  if (error instanceof ModbusExceptionError) return 'exception';
  if (hasCode(error, 'PW_ERR_CRC_MISMATCH')) return 'crc';
  if (hasCode(error, 'PW_ERR_MODBUS_TIMEOUT')) return 'timeout';
  return 'other';
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export class DeviceCounters {
  requests = 0;
  responses = 0;
  crcErrors = 0;
  timeouts = 0;
  exceptions = 0;
  otherErrors = 0;
  polls = 0;
  failedPolls = 0;
  quarantines = 0;
  probes = 0;
  readonly #latencies: number[] = [];
  #next = 0;

  record(outcome: Outcome, latencyMs: number): void {
    this.requests++;
    switch (outcome) {
      case 'ok':
        this.responses++;
        if (this.#latencies.length < WINDOW) this.#latencies.push(latencyMs);
        else this.#latencies[this.#next] = latencyMs;
        this.#next = (this.#next + 1) % WINDOW;
        break;
      case 'crc': this.crcErrors++; break;
      case 'timeout': this.timeouts++; break;
      case 'exception': this.exceptions++; break;
      case 'other': this.otherErrors++; break;
    }
  }

  snapshot(quarantined: boolean): DeviceStats {
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    return {
      requests: this.requests, responses: this.responses, crcErrors: this.crcErrors, timeouts: this.timeouts,
      exceptions: this.exceptions, otherErrors: this.otherErrors, polls: this.polls, failedPolls: this.failedPolls,
      quarantines: this.quarantines, probes: this.probes, quarantined,
      latency: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0, samples:
        sorted.length },
    };
  }
}
