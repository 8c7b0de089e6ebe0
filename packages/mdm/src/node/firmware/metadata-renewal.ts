// Automatic renewal of the online metadata (TUF §6.3.3: the timestamp is re-signed often, so that
// a client can tell a fresh repository from a frozen one). A timer asks the repository to renew
// every role past half its lifetime; a failure is reported and tried again at the next tick.
import type { FirmwareRepository } from '../../firmware/firmware-repository.ts';

export interface MetadataRenewalOptions {
  /** How often to check (default: every 10 minutes; the timestamp lives a day). */
  readonly everyMs?: number;
  readonly onRenewed?: (roles: readonly string[]) => void;
  readonly onError?: (error: unknown) => void;
}

export interface MetadataRenewal {
  /** Runs one check now (also what the timer runs). */
  tick(): Promise<readonly string[]>;
  stop(): void;
}

export function startMetadataRenewal(repository: FirmwareRepository, options: MetadataRenewalOptions = {}): MetadataRenewal {
  let running: Promise<readonly string[]> = Promise.resolve([]);
  const tick = (): Promise<readonly string[]> => {
    running = running.then(async () => {
      try {
        const roles = await repository.renew();
        if (roles.length > 0) options.onRenewed?.(roles);
        return roles;
      } catch (error) {
        options.onError?.(error);
        return [];
      }
    });
    return running;
  };
  const timer = setInterval(() => void tick(), options.everyMs ?? 600_000);
  timer.unref();
  return { tick, stop: () => { clearInterval(timer); } };
}
