import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trackChild } from '@phasewire/test-kit';
import { DurableQueue } from './durable-queue.ts';

const text = (payload: Uint8Array): string => new TextDecoder().decode(payload);
const bytes = (value: string): Uint8Array => new TextEncoder().encode(value);

let dir = '';
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'phasewire-queue-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

describe('durable store-and-forward queue', () => {
  it('keeps records in order until they are acknowledged, across a reopen', async () => {
    const queue = await DurableQueue.open(dir);
    assert.deepEqual(await queue.append(bytes('a'), bytes('b')), [1, 2]);
    assert.deepEqual(await queue.append(bytes('c')), [3]);
    await queue.ack(1);
    await queue.close();

    const reopened = await DurableQueue.open(dir);
    assert.deepEqual(reopened.peek(10).map((r) => [r.seq, text(r.payload)]), [[2, 'b'], [3, 'c']]);
    assert.deepEqual(await reopened.append(bytes('d')), [4], 'sequence numbers continue after a reopen');
    await reopened.close();
  });

  it('writes one group of concurrent appends with consecutive sequence numbers', async () => {
    const queue = await DurableQueue.open(dir);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => queue.append(bytes(`r${i}`))));
    assert.deepEqual(results.flat(), Array.from({ length: 50 }, (_, i) => i + 1));
    await queue.close();
    const reopened = await DurableQueue.open(dir);
    assert.deepEqual(reopened.peek(100).map((r) => text(r.payload)), Array.from({ length: 50 }, (_, i) => `r${i}`));
    await reopened.close();
  });

  it('persists only the contiguous acknowledged prefix; an acknowledgement above a gap waits for the gap', async () => {
    const queue = await DurableQueue.open(dir);
    await queue.append(bytes('1'), bytes('2'), bytes('3'));
    await queue.ack(2);
    assert.deepEqual(queue.peek(10).map((r) => r.seq), [1, 3], 'an acknowledged record is not offered again');
    await queue.close();
    const afterCrash = await DurableQueue.open(dir);
    assert.deepEqual(afterCrash.peek(10).map((r) => r.seq), [1, 2, 3], 'the held acknowledgement is not durable');
    await afterCrash.ack(2, 1);
    assert.deepEqual(afterCrash.peek(10).map((r) => r.seq), [3]);
    await afterCrash.close();
    assert.deepEqual((await DurableQueue.open(dir)).peek(10).map((r) => r.seq), [3]);
  });

  it('limits peek by count and by bytes, but always offers at least one record', async () => {
    const queue = await DurableQueue.open(dir);
    await queue.append(bytes('aaaa'), bytes('bbbb'), bytes('cccc'));
    assert.equal(queue.peek(2).length, 2);
    assert.equal(queue.peek(10, 8).length, 2);
    assert.equal(queue.peek(10, 1).length, 1);
    await queue.close();
  });

  it('refuses records when full and loses none it already holds', async () => {
    const queue = await DurableQueue.open(dir, { maxBytes: 10 });
    await queue.append(bytes('12345'), bytes('678'));
    await assert.rejects(queue.append(bytes('abc')), { code: 'PW_ERR_QUEUE_FULL', message: /holds 8 of 10 bytes.*nothing was added/ });
    assert.equal(queue.length, 2);
    await queue.ack(1);
    assert.deepEqual(await queue.append(bytes('abc')), [3], 'room again once acknowledged');
    await queue.close();
  });

  it('refuses a record larger than one record may be, and use after close', async () => {
    const queue = await DurableQueue.open(dir, { maxRecordBytes: 4 });
    await assert.rejects(queue.append(bytes('12345')), { code: 'PW_ERR_QUEUE_RECORD_TOO_LARGE' });
    await queue.close();
    await assert.rejects(queue.append(bytes('1')), { code: 'PW_ERR_QUEUE_CLOSED' });
  });

  it('starts new segments and deletes the ones wholly acknowledged', async () => {
    const queue = await DurableQueue.open(dir, { segmentBytes: 64 });
    for (let i = 0; i < 20; i++) await queue.append(bytes(`record-${String(i).padStart(4, '0')}`));
    const segments = () => readdirSync(dir).filter((n) => n.endsWith('.seg')).length;
    const before = segments();
    assert.ok(before > 3, `${before} segments`);
    await queue.ack(...Array.from({ length: 18 }, (_, i) => i + 1));
    assert.ok(segments() < before);
    await queue.close();
    assert.deepEqual((await DurableQueue.open(dir, { segmentBytes: 64 })).peek(10).map((r) => text(r.payload)),
      ['record-0018', 'record-0019']);
  });

  it('recovers the whole records before a write torn at any byte', async () => {
    const queue = await DurableQueue.open(dir);
    await queue.append(bytes('first'), bytes('second'));
    await queue.close();
    const [segment] = readdirSync(dir).filter((n) => n.endsWith('.seg'));
    const path = join(dir, segment ?? '');
    const intact = readFileSync(path);
    const third = 16 + 'third!'.length;
    for (let cut = 1; cut < third; cut++) {
      // A power cut after `cut` bytes of a third record reached the disk.
      const reopened0 = await DurableQueue.open(dir);
      await reopened0.append(bytes('third!'));
      await reopened0.close();
      truncateSync(path, intact.length + cut);
      const reopened = await DurableQueue.open(dir);
      assert.deepEqual(reopened.peek(10).map((r) => text(r.payload)), ['first', 'second'], `cut after ${cut} bytes`);
      assert.equal(reopened.recovery.discardedBytes, cut);
      await reopened.close();
      assert.equal(statSync(path).size, intact.length, 'the torn tail is cut off');
    }
  });

  it('stops at a record whose bytes were damaged and keeps those before it', async () => {
    const queue = await DurableQueue.open(dir);
    await queue.append(bytes('good'), bytes('damaged'));
    await queue.close();
    const [segment] = readdirSync(dir).filter((n) => n.endsWith('.seg'));
    const path = join(dir, segment ?? '');
    const data = readFileSync(path);
    data[data.length - 2] = (data[data.length - 2] ?? 0) ^ 0x01;
    writeFileSync(path, data);
    appendFileSync(path, Uint8Array.of(1, 2, 3));
    const reopened = await DurableQueue.open(dir);
    assert.deepEqual(reopened.peek(10).map((r) => text(r.payload)), ['good']);
    await reopened.close();
  });

  it('refuses to open when the acknowledgement file is not a number', async () => {
    writeFileSync(join(dir, 'ack'), 'garbage');
    await assert.rejects(DurableQueue.open(dir), { code: 'PW_ERR_QUEUE_CORRUPT' });
  });

  it('loses no record whose append had resolved when the process is killed with SIGKILL', async () => {
    const fixture = fileURLToPath(new URL('../../testing/queue-append-until-killed.fixture.ts', import.meta.url));
    const child = spawn(process.execPath, [fixture, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    trackChild(child);
    let output = '';
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.split('\n').length > 300) child.kill('SIGKILL');
    });
    await exited;
    assert.equal(child.signalCode, 'SIGKILL', `the fixture was killed after 300 appends, not ended by itself: ${output.slice(-500)}`);
    const confirmed = output.split('\n').filter((line) => /^\d+$/.test(line)).map(Number);
    const queue = await DurableQueue.open(dir, { segmentBytes: 4096 });
    const recovered = queue.peek(Number.MAX_SAFE_INTEGER);
    const seqs = new Set(recovered.map((r) => r.seq));
    for (const seq of confirmed) assert.ok(seqs.has(seq), `record ${seq} was confirmed before the kill but is missing`);
    recovered.forEach((record, i) => {
      assert.equal(record.seq, i + 1, 'no hole in the sequence');
      assert.equal(text(record.payload), `reading-${i}`);
    });
    await queue.close();
  });
});
