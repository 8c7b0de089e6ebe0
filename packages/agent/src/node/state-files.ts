// The agent's stored state beyond the queue: small state files (executed command ids, relay state),
// read with a fallback when absent and written atomically (an unreadable one stops the agent,
// because it guards at-most-once), and the queue records an acknowledgement releases.
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@phasewire/core';
import type { MeterId } from '@phasewire/core';
import { DirectoryLock } from '@phasewire/secure/node';
import type { Ack } from '@phasewire/core/protocol';
import { envelopeCounterOf } from '../inflight.ts';
import type { InflightTracker } from '../inflight.ts';
import type { DurableQueue } from './queue/durable-queue.ts';

/** The queue sequence numbers an ack releases: in flight on this connection, or sent on an earlier one. */
export function ackedSequences(inflight: InflightTracker, queue: DurableQueue, ack: Ack): number[] {
  const seqs = inflight.acked(ack.keyId, ack.counters);
  if (seqs.length < ack.counters.length) {
    // Acks of messages sent on an earlier connection (the broker kept them for this session).
    const wanted = new Set(ack.counters);
    for (const record of queue.peek(Number.MAX_SAFE_INTEGER)) {
      const id = envelopeCounterOf(record.payload);
      if (id !== undefined && id.keyId === ack.keyId && wanted.has(id.counter) && !seqs.includes(record.seq)) seqs.push(record.seq);
    }
  }
  return seqs;
}

/** The lock file of an agent's data directory. */
export const agentLockFile = 'agent.lock';

/**
 * Takes the data directory for this agent: a second agent on it (another process, or this one) is
 * refused, since both would seal with the same envelope counters and release each other's queue.
 */
export function lockDataDir(meter: MeterId, dir: string): Promise<DirectoryLock> {
  const path = join(dir, agentLockFile);
  return DirectoryLock.acquire(path, {
    held: (pid) => new ConfigError('PW_ERR_AGENT_LOCKED',
      `Cannot start the agent of ${meter} on ${dir}: process ${pid} runs an agent on it (lock ${path}); `
        + `expected one agent per data directory (stop process ${pid} first)`),
    failed: (error) => new ConfigError('PW_ERR_AGENT_STATE',
      `Cannot lock the agent data directory ${dir} (${path}): ${(error as Error).message}`, { cause: error }),
  });
}

/** A state file, or `fallback` when there is none yet. */
export async function readJson<T>(path: string, fallback: T): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw new ConfigError('PW_ERR_AGENT_STATE', `Cannot read the agent state file ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new ConfigError('PW_ERR_AGENT_STATE', `Cannot use the agent state file ${path}: it is not JSON; `
      + 'expected what the agent wrote (restore it or remove it knowingly)', { cause: error });
  }
}

/** Write, fsync, rename: the file is the old or the new state after a crash, never a torn one. */
export async function writeJson(path: string, value: unknown): Promise<void> {
  const handle = await open(`${path}.tmp`, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(value));
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(`${path}.tmp`, path);
}
