// T16, the campaign's server side: 10,000 lightweight simulated devices each fetch a firmware image
// from the head-end's HTTPS file server (createFirmwareFileServer, in a process of its own so that
// its CPU is measured apart from the load generator), as the agent's updater does: a TLS 1.3
// connection of its own kept alive for the update, timestamp → snapshot → targets → the model's
// delegated role (each named by the version the previous one gives), then the image in byte-range
// chunks, its SHA-256 checked against the signed one. The peer, in the same run on the same bytes:
// Node's plain HTTPS server under the same TLS policy answering each file whole from memory, fetched
// by the same devices with one plain GET per file. Figure: the file server's CPU per device; the
// ratio to the peer's is the target. Time to done and throughput are recorded beside.
// The devices do not verify signatures (that is device CPU, measured by the updater's tests); 128
// of them are at work at once, as a campaign wave would be; a request reset by the loaded machine is tried again, as the
// updater's fetcher does, and counted.
import type { Benchmark } from '@phasewire/bench';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirmwareRepository, storedTargetPath } from '@phasewire/mdm/firmware';
import { directoryStorage } from '@phasewire/mdm/node';
import { Pkcs11Keystore, tlsClientOptions } from '@phasewire/secure/node';
import { createTestCa, startSoftHsm } from '@phasewire/secure/testing';

/** 10,000 (T16); PHASEWIRE_BENCH_DEVICES sets fewer for a quick run on a loaded machine. */
const devices = Number(process.env['PHASEWIRE_BENCH_DEVICES'] ?? 10_000);
const concurrency = 128;
const imageBytes = 65_536;
const chunkBytes = 16_384;
const model = 'PW3';
const hw = 'r2';

interface Served {
  readonly port: number;
  cpuMicros(): Promise<number>;
  stop(): void;
}

async function serve(kind: 'phasewire' | 'plain', directory: string, identityFile: string): Promise<Served> {
  const child: ChildProcess = fork(join(import.meta.dirname, 'firmware-serve.ts'), [kind, directory, identityFile], { stdio: 'inherit' });
  const next = (): Promise<Record<string, number>> => new Promise((resolve) => {
    child.once('message', (message) => { resolve(message as Record<string, number>); });
  });
  const { port = 0 } = await next();
  return {
    port,
    async cpuMicros() {
      const answer = next();
      child.send('cpu');
      return (await answer)['cpuMicros'] ?? 0;
    },
    stop: () => { child.kill(); },
  };
}

let retries = 0;

/** A GET tried again after a reset kept-alive connection, as the updater's fetcher does (up to 3 tries). */
async function get(agent: Agent, port: number, anchors: string, path: string, range?: [number, number]): Promise<Buffer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await getOnce(agent, port, anchors, path, range);
    } catch (error) {
      if (attempt >= 3 || (error as NodeJS.ErrnoException).code === undefined) throw error;
      retries++;
    }
  }
}

function getOnce(agent: Agent, port: number, anchors: string, path: string, range?: [number, number]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const headers = range === undefined ? {} : { range: `bytes=${range[0]}-${range[1]}` };
    const req = request({ ...tlsClientOptions(undefined, { anchors }), host: '127.0.0.1', port, servername: 'localhost', path, agent,
      headers }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () => {
        if ((response.statusCode ?? 0) >= 300) reject(new Error(`${path}: HTTP ${response.statusCode}`));
        else resolve(Buffer.concat(parts));
      });
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

type Signed = { signed: Record<string, unknown> };
const json = (bytes: Buffer): Signed => JSON.parse(bytes.toString('utf8')) as Signed;

/** One device as the updater fetches: the metadata chain by version, then the image by range; resolves with the bytes fetched. */
async function phasewireDevice(port: number, anchors: string): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    let bytes = 0;
    const fetch = async (path: string, range?: [number, number]): Promise<Buffer> => {
      const body = await get(agent, port, anchors, path, range);
      bytes += body.length;
      return body;
    };
    const timestamp = json(await fetch('/metadata/timestamp.json')).signed;
    const snapshotVersion = (timestamp['meta'] as Record<string, { version: number }>)['snapshot.json']?.version;
    const meta = json(await fetch(`/metadata/${snapshotVersion}.snapshot.json`)).signed['meta'] as Record<string, { version: number }>;
    await fetch(`/metadata/${meta['targets.json']?.version}.targets.json`);
    const role = `${model}-${hw}`;
    const targets = json(await fetch(`/metadata/${meta[`${role}.json`]?.version}.${role}.json`)).signed['targets'] as
      Record<string, { length: number; hashes: { sha256: string } }>;
    const [path, info] = Object.entries(targets)[0] ?? [];
    if (path === undefined || info === undefined) throw new Error('no target');
    const stored = `/${storedTargetPath(path, info.hashes.sha256)}`;
    const hash = createHash('sha256');
    for (let start = 0; start < info.length; start += chunkBytes) {
      hash.update(await fetch(stored, [start, Math.min(start + chunkBytes, info.length) - 1]));
    }
    if (hash.digest('hex') !== info.hashes.sha256) throw new Error('image hash mismatch');
    return bytes;
  } finally {
    agent.destroy();
  }
}

/** The peer's device: the same files, one plain GET each. */
async function plainDevice(port: number, anchors: string, paths: readonly string[]): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    let bytes = 0;
    for (const path of paths) bytes += (await get(agent, port, anchors, path)).length;
    return bytes;
  } finally {
    agent.destroy();
  }
}

interface CampaignResult {
  readonly seconds: number;
  readonly cpuPerDevice: number;
  readonly bytes: number;
  readonly retries: number;
}

async function campaign(server: Served, device: () => Promise<number>): Promise<CampaignResult> {
  retries = 0;
  const cpuBefore = await server.cpuMicros();
  const started = performance.now();
  let next = 0;
  let bytes = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < devices) {
      next++;
      // Not `bytes += await device()`: that reads `bytes` before the await, and the workers overwrite each other.
      const fetched = await device();
      bytes += fetched;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  const cpu = await server.cpuMicros() - cpuBefore;
  return { seconds, cpuPerDevice: cpu / devices, bytes: bytes / devices, retries };
}

const benchmark: Benchmark = {
  name: 'firmware-campaign',
  title: `Firmware campaign: ${devices.toLocaleString('en')} devices fetch a ${imageBytes / 1024} KiB image by range from the HTTPS file `
    + 'server; file-server CPU per device vs plain Node HTTPS GETs of the same bytes',
  target: { atMost: 1.5 },
  runs: 1,
  async measure() {
    const work = await mkdtemp(join(tmpdir(), 'phasewire-bench-firmware-'));
    const hsm = await startSoftHsm(['bench-offline', 'bench-online']);
    const ca = await createTestCa();
    const offline = await Pkcs11Keystore.open(hsm.options('bench-offline'));
    const online = await Pkcs11Keystore.open(hsm.options('bench-online'));
    const servers: Served[] = [];
    try {
      const directory = join(work, 'repository');
      const storage = directoryStorage(directory);
      const repository = await FirmwareRepository.init({ storage, offline, online, clock: { now: () => Date.now() } });
      const image = await repository.add({
        model, hardwareRevision: hw, version: '2.0.0', securityVersion: 1, bytes: randomBytes(imageBytes),
      });
      const { snapshot, targets } = repository.state;
      const role = `${model}-${hw}.json`;
      const paths = ['/metadata/timestamp.json', `/metadata/${snapshot.signed.version}.snapshot.json`,
        `/metadata/${targets.signed.version}.targets.json`, `/metadata/${snapshot.signed.meta[role]?.version}.${role}`,
        `/${storedTargetPath(image.targetPath, image.sha256)}`];
      const identityFile = join(work, 'identity.json');
      const identity = await ca.server({ dns: ['localhost'], ips: ['127.0.0.1'] });
      await writeFile(identityFile, JSON.stringify({ identity, anchors: ca.anchors }));
      const phasewire = await serve('phasewire', directory, identityFile);
      servers.push(phasewire);
      const plain = await serve('plain', directory, identityFile);
      servers.push(plain);
      const ours = await campaign(phasewire, () => phasewireDevice(phasewire.port, ca.anchors));
      const peer = await campaign(plain, () => plainDevice(plain.port, ca.anchors, paths));
      return {
        figure: { label: 'file-server CPU per device', value: ours.cpuPerDevice / 1000, unit: 'ms' },
        reference: { label: 'plain Node HTTPS GETs, CPU per device', value: peer.cpuPerDevice / 1000, unit: 'ms', kind: 'peer' },
        extra: {
          'time to done, s': ours.seconds, 'peer time to done, s': peer.seconds,
          'devices per second': devices / ours.seconds, 'bytes per device': ours.bytes, 'peer bytes per device': peer.bytes,
          'image bytes': imageBytes, 'requests tried again': ours.retries, 'peer requests tried again': peer.retries,
        },
      };
    } finally {
      for (const server of servers) server.stop();
      await offline.close();
      await online.close();
      await ca.close();
      await hsm.cleanup();
      await rm(work, { recursive: true, force: true });
    }
  },
};

export default benchmark;
