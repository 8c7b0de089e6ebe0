// The demo's firmware (docs/firmware.md, "The demo"): a TUF repository in the data directory, its
// keys in a software keystore beside it (a demo, not an HSM), with the image the demo meters ship
// with (1.0.0, whose L2 phase-angle correction is 4° off), the metrology fix 1.1.0, and a bad build
// 1.1.0 built for the lab model (it stops publishing), which one demo meter is. Campaigns are started
// from the dashboard's Firmware page; the bad build fails its health check and rolls back.
import { randomBytes } from 'node:crypto';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { encodeFirmwareBundle, type FirmwareBundle } from '@phasewire/agent';
import type { AgentFirmwareOptions } from '@phasewire/agent/node';
import { FirmwareRepository } from '@phasewire/mdm/firmware';
import { directoryStorage } from '@phasewire/mdm/node';
import { SoftwareKeystore } from '@phasewire/secure/node';
import type { ServerConfig } from '@phasewire/server';

export const demoModel = 'pw-sim-3p';
/** The model of the one demo meter that is offered the bad build. */
export const demoLabModel = 'pw-sim-3p-lab';
const hardwareRevision = 'r1';
/** Long enough for a cellular meter's reading to be acknowledged after the restart (real time). */
const healthCheckMs = 20_000;

const bundle = (version: string, l2: number, fault?: 'stop-publishing'): Uint8Array => encodeFirmwareBundle({
  format: 'phasewire-meter-firmware', version, metrology: { phaseAngleCorrectionDeg: [0, l2, 0] },
  ...(fault === undefined ? {} : { fault }),
} satisfies FirmwareBundle);
const factory = bundle('1.0.0', 4);

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/** Makes the repository on the first start (kept afterwards): the server serves it from there (firmware.directory). */
export async function setUpDemoFirmware(dataDir: string, config: ServerConfig): Promise<void> {
  const directory = resolve(dataDir, config.firmware.directory);
  if (await exists(join(directory, 'metadata', '1.root.json'))) return;
  const keys = join(dataDir, 'demo', 'firmware-keys');
  await mkdir(keys, { recursive: true, mode: 0o700 });
  const keyFile = join(keys, 'keystore.key');
  if (!await exists(keyFile)) await writeFile(keyFile, randomBytes(32), { mode: 0o600 });
  const open = (name: string) => SoftwareKeystore.open({ path: join(keys, `${name}.json`), unlock: { keyFile }, warn: () => undefined,
    create: true });
  const offline = await open('offline');
  const online = await open('online');
  try {
    const repository = await FirmwareRepository.init({
      storage: directoryStorage(directory), offline, online, clock: { now: () => Date.now() },
    });
    for (const model of [demoModel, demoLabModel]) {
      await repository.add({ model, hardwareRevision, version: '1.0.0', securityVersion: 1, bytes: factory });
    }
    await repository.add({ model: demoModel, hardwareRevision, version: '1.1.0', securityVersion: 2, bytes: bundle('1.1.0', 0) });
    await repository.add({ model: demoLabModel, hardwareRevision, version: '1.1.0', securityVersion: 2,
      bytes: bundle('1.1.0', 0, 'stop-publishing') });
  } catch (error) {
    // Half a repository would be served as it is at the next start: none, and the next start tries again.
    await rm(directory, { recursive: true, force: true });
    throw error;
  } finally {
    await offline.close();
    await online.close();
  }
}

/** A demo agent's firmware option: updates from the server's repository, the factory image 1.0.0 at first. */
export function demoAgentFirmware(dataDir: string, firmwareUrl: string, trustedCa: string, model: string): AgentFirmwareOptions {
  const url = new URL(firmwareUrl);
  return {
    baseUrl: url.origin, trustedRoot: join(dataDir, 'firmware', 'metadata', '1.root.json'), model, hardwareRevision,
    fetcher: { host: '127.0.0.1', port: Number(url.port), servername: 'localhost', trust: { anchors: trustedCa }, chunkBytes: 4096,
      retryDelayMs: 500 },
    factory: { bytes: factory, securityVersion: 1 }, healthCheckMs,
  };
}

export const firmwareSummary = (apiUrl: string): string =>
  `demo firmware: every meter runs 1.0.0 (its L2 phase angle is 4° off); to update them, open ${apiUrl}/#/firmware as the admin and `
  + `start a campaign of ${demoModel}/${hardwareRevision}/${demoModel}-${hardwareRevision}-1.1.0.bin (the fix), then one of `
  + `${demoLabModel}/${hardwareRevision}/${demoLabModel}-${hardwareRevision}-1.1.0.bin (a bad build): its meter fails the health check `
  + 'and rolls back\n';
