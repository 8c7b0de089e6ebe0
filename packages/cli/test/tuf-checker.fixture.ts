// The standalone TUF checker: `tuf-js` (the client npm uses) and nothing of phasewire's. A test
// runs it as its own process against the repository's HTTPS URL, with the test CA given through
// NODE_EXTRA_CA_CERTS, and reads one JSON line: what it refreshed and downloaded, or the error
// tuf-js raised. Its metadata folder persists between runs, as a device's trusted metadata would.
//
//   node tuf-checker.fixture.ts <base-url> <metadata-dir> <target-dir> <trusted-root.json> [target-path]
import { copyFile, access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Updater } from 'tuf-js';

const [baseArg, metadataArg, targetArg, rootArg, targetPath] = process.argv.slice(2);
if (baseArg === undefined || metadataArg === undefined || targetArg === undefined || rootArg === undefined) {
  throw new Error('usage: tuf-checker.fixture.ts <base-url> <metadata-dir> <target-dir> <trusted-root.json> [target-path]');
}
const baseUrl: string = baseArg;
const metadataDir: string = metadataArg;
const targetDir: string = targetArg;
const trustedRoot: string = rootArg;

async function check(): Promise<Record<string, unknown>> {
  // TUF §5.2: the client starts from a root it trusts, shipped with it.
  await access(join(metadataDir, 'root.json')).catch(() => copyFile(trustedRoot, join(metadataDir, 'root.json')));
  const updater = new Updater({
    metadataBaseUrl: `${baseUrl}/metadata`, targetBaseUrl: `${baseUrl}/targets`, metadataDir: metadataDir, targetDir,
    config: { fetchRetries: 0, fetchTimeout: 20_000 },
  });
  await updater.refresh();
  const trusted = JSON.parse(await readFile(join(metadataDir, 'timestamp.json'), 'utf8')) as { signed: { version: number } };
  const root = JSON.parse(await readFile(join(metadataDir, 'root.json'), 'utf8')) as { signed: { version: number } };
  const result: Record<string, unknown> = { ok: true, rootVersion: root.signed.version, timestampVersion: trusted.signed.version };
  if (targetPath === undefined) return result;
  const info = await updater.getTargetInfo(targetPath);
  if (info === undefined) return { ok: false, error: 'TargetNotFound', message: `no target ${targetPath}` };
  const file = await updater.downloadTarget(info, join(targetDir, targetPath.replaceAll('/', '_')));
  return { ...result, file, length: info.length, hashes: info.hashes, custom: info.custom };
}

check().then(
  (result) => { process.stdout.write(`${JSON.stringify(result)}\n`); },
  (error: unknown) => {
    const failure = error instanceof Error ? { error: error.constructor.name, message: error.message } : { error: String(error) };
    process.stdout.write(`${JSON.stringify({ ok: false, ...failure })}\n`);
  },
);
