// The firmware repository as `phasewire server` runs it: when the data directory holds a TUF
// repository (`phasewire firmware --dir data/firmware init`), the head-end's file server publishes it
// over HTTPS under the TLS policy with the listeners' certificate, and, given the PKCS#11 token of
// the online keys, the timestamp and snapshot are re-signed before they expire (TUF §6.3.3: a device
// refuses a repository whose timestamp has expired, so an unrenewed repository freezes every update
// a day later). The repository's signing stays in mdm; the server only wires it (docs/firmware.md).
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { createFirmwareFileServer } from '@phasewire/headend/node';
import { FirmwareRepository } from '@phasewire/mdm/firmware';
import { directoryStorage, startMetadataRenewal } from '@phasewire/mdm/node';
import { Pkcs11Keystore } from '@phasewire/secure/node';
import { inData } from './data-directory.ts';
import type { ServerContext, StartedService } from './phasewire-server.ts';
import { publicHost, urlHost } from './public-host.ts';

/** The file server and the renewal timer, or undefined when the data directory holds no repository. */
export async function startFirmwareService(context: ServerContext): Promise<(StartedService & { readonly url: string }) | undefined> {
  const { config, dataDir, log, clock } = context;
  const settings = config.firmware;
  const directory = inData(dataDir, settings.directory);
  const exists = await access(join(directory, 'metadata', '1.root.json')).then(() => true, () => false);
  if (!exists) return undefined;
  const server = createFirmwareFileServer({ directory, identity: context.identity, trust: context.trust });
  const port = await server.listen(settings.port, config.bind);
  const url = `https://${urlHost(publicHost(config))}:${port}`;
  const token = settings.onlineToken;
  if (token === undefined) {
    log({ level: 'warn', msg: `firmware repository ${directory} is served but not renewed: without firmware.onlineToken its `
      + 'timestamp expires within a day and devices then refuse every update (run `phasewire firmware renew` from cron instead)' });
    return { url, summary: `firmware (TUF), HTTPS   ${url}  (${directory}; metadata NOT renewed)`, close: () => server.close() };
  }
  let online: Pkcs11Keystore;
  try {
    online = await Pkcs11Keystore.open({
      module: token.module, token: { label: token.label }, pin: { env: token.pinEnv }, env: context.env,
    });
  } catch (error) {
    await server.close();
    throw error;
  }
  // Renewal signs with the online keys only; the root keys stay in the offline token, never here.
  const repository = await FirmwareRepository.open({ storage: directoryStorage(directory), offline: online, online, clock });
  const renewal = startMetadataRenewal(repository, {
    everyMs: settings.renewEveryMinutes * 60_000,
    onRenewed: (roles) => { log({ level: 'info', msg: `firmware metadata renewed: ${roles.join(', ')}` }); },
    onError: (error) => {
      log({ level: 'error', msg: `Cannot renew the firmware metadata in ${directory}: ${(error as Error).message}` });
    },
  });
  await renewal.tick();
  return {
    url,
    summary: `firmware (TUF), HTTPS   ${url}  (${directory}; renewed every ${settings.renewEveryMinutes} min with token ${token.label})`,
    async close() {
      renewal.stop();
      await server.close();
      await online.close();
    },
  };
}
