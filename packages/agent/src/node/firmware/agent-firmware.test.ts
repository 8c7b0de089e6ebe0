import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FirmwareProgress } from '@phasewire/core/protocol';
import { encodeFirmwareBundle } from '../../firmware/firmware-bundle.ts';
import { AgentFirmware, type FirmwareHost } from './agent-firmware.ts';

const bundle = (version: string) => encodeFirmwareBundle({
  format: 'phasewire-meter-firmware', version, metrology: { phaseAngleCorrectionDeg: [0, 0, 0] },
});
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const factory = bundle('1.0.0');
const update = bundle('1.1.0');
const args = { campaign: 'spring', target: 'PW3/r2/PW3-r2-1.1.0.bin', version: '1.1.0' };

async function device(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pw-agent-fw-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const open = (dir: string): Promise<AgentFirmware> => AgentFirmware.open({
  baseUrl: 'https://127.0.0.1:9', trustedRoot: join(dir, 'root.json'), model: 'PW3', hardwareRevision: 'r2',
  factory: { bytes: factory, securityVersion: 1 }, pollMs: 5, healthCheckMs: 50,
  fetcher: { host: '127.0.0.1', port: 9, servername: 'localhost', trust: { ca: [] } as never, chunkBytes: 1024 },
}, dir);

function host(now = 0): FirmwareHost & { readonly reports: FirmwareProgress[]; next(): Promise<FirmwareProgress> } {
  const reports: FirmwareProgress[] = [];
  let wake: (() => void) | undefined;
  return {
    reports,
    now: () => now,
    stats: { connections: 1, published: 1, acked: 1 },
    link: { connected: false, start: () => undefined, stop: () => Promise.resolve(), announce: () => undefined },
    report: (progress) => { reports.push(progress); wake?.(); return Promise.resolve(); },
    next: async () => {
      while (reports.length === 0) await new Promise<void>((done) => { wake = done; });
      return reports.shift() as FirmwareProgress;
    },
  };
}

test('a restart after the commit was written, before it was reported, reports committed, not rolled back', async (t) => {
  const dir = await device(t);
  const fw = join(dir, 'firmware');
  await mkdir(join(fw, 'slots'), { recursive: true });
  await writeFile(join(fw, 'slots', 'a.bin'), factory);
  await writeFile(join(fw, 'slots', 'b.bin'), update);
  // The health check passed and finishTrial(true) was written; the process died before the `committed` event.
  await writeFile(join(fw, 'firmware-slots.json'), JSON.stringify({
    model: 'PW3', hardwareRevision: 'r2', active: 'b', securityVersion: 1, last: { outcome: 'committed', version: '1.1.0' },
    slots: {
      a: { version: '1.0.0', securityVersion: 1, sha256: sha(factory) }, b: { version: '1.1.0', securityVersion: 1, sha256: sha(update) },
    },
  }));
  await writeFile(join(fw, 'firmware-job.json'), JSON.stringify({ args, state: 'trial' }));
  const firmware = await open(dir);
  assert.equal(firmware.status.version, '1.1.0');
  const h = host();
  firmware.start(h);
  const said = await h.next();
  await firmware.stop();
  assert.equal(said.state, 'committed', `reported ${said.state} (${said.reason ?? ''}) while the device runs 1.1.0`);
  await assert.rejects(readFile(join(fw, 'firmware-job.json')), { code: 'ENOENT' });
});

test('a notBefore beyond the dates a clock can show is waited for, not failed with "Invalid time value"', async (t) => {
  const dir = await device(t);
  const firmware = await open(dir);
  const h = host();
  firmware.start(h);
  assert.equal(firmware.take({ ...args, notBefore: Number.MAX_SAFE_INTEGER - 1 }), undefined);
  const said = await h.next();
  await firmware.stop();
  assert.equal(said.state, 'offered', `reported ${said.state}: ${said.reason ?? ''}`);
  assert.match(said.reason ?? '', /waiting for the maintenance window from/);
});

test('a second update while one is under way is refused as busy; the same offer again is taken as the one in hand', async (t) => {
  const dir = await device(t);
  const firmware = await open(dir);
  const h = host();
  firmware.start(h);
  assert.equal(firmware.take({ ...args, notBefore: 10_000 }), undefined);
  assert.equal(firmware.take({ ...args, notBefore: 10_000 }), undefined, 'a copy of the same offer');
  const other = firmware.take({ ...args, campaign: 'autumn', version: '1.2.0', target: 'PW3/r2/PW3-r2-1.2.0.bin' });
  assert.equal(other?.code, 'PW_ERR_FIRMWARE_BUSY');
  assert.match(other.reason, /offered for 1\.1\.0 \(campaign spring\)/);
  await h.next();
  await firmware.stop();
});

async function staged(dir: string, bytes: Uint8Array, sha256 = sha(bytes)): Promise<void> {
  const fw = join(dir, 'firmware');
  await mkdir(join(fw, 'slots'), { recursive: true });
  await writeFile(join(fw, 'slots', 'a.bin'), factory);
  await writeFile(join(fw, 'slots', 'b.bin'), bytes);
  await writeFile(join(fw, 'firmware-slots.json'), JSON.stringify({
    model: 'PW3', hardwareRevision: 'r2', active: 'a', securityVersion: 1, staged: 'b',
    slots: { a: { version: '1.0.0', securityVersion: 1, sha256: sha(factory) }, b: { version: '1.1.0', securityVersion: 1, sha256 } },
  }));
  await writeFile(join(fw, 'firmware-job.json'), JSON.stringify({ args, state: 'downloaded' }));
}

test('a staged image that is valid JSON but hostile, or whose bytes changed after verification, is rolled back at boot', async (t) => {
  const deep = new TextEncoder().encode(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
  const hostile = [
    ['an unknown fault', new TextEncoder().encode(JSON.stringify({ format: 'phasewire-meter-firmware', version: '1.1.0',
      metrology: { phaseAngleCorrectionDeg: [0, 0, 0] }, fault: 'brick' }))],
    ['an angle out of range', new TextEncoder().encode(JSON.stringify({ format: 'phasewire-meter-firmware', version: '1.1.0',
      metrology: { phaseAngleCorrectionDeg: [0, 1e308, 0] } }))],
    ['nesting 200 000 deep', deep],
    ['4 MB of padding', new TextEncoder().encode(`{"format":"phasewire-meter-firmware","pad":"${'x'.repeat(4_000_000)}"}`)],
  ] as const;
  for (const [what, bytes] of hostile) {
    const dir = await device(t);
    await staged(dir, bytes);
    const firmware = await open(dir);
    assert.deepEqual([firmware.status.version, firmware.status.slot], ['1.0.0', 'a'], what);
  }
  // Verified when it was staged, then a byte flipped in the slot: the device does not run it.
  const dir = await device(t);
  const flipped = Uint8Array.from(update);
  flipped[flipped.indexOf(0x30)] = 0x31;
  await staged(dir, flipped, sha(update));
  const firmware = await open(dir);
  assert.deepEqual([firmware.status.version, firmware.status.slot], ['1.0.0', 'a'], 'a slot whose bytes are not the ones verified');
  const h = host();
  firmware.start(h);
  const said = await h.next();
  await firmware.stop();
  assert.equal(said.state, 'rolled-back');
  assert.match(said.reason ?? '', /SHA-256/);
});
