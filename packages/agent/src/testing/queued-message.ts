// Test support: a message put into an agent's durable queue as the agent itself would seal it (its
// envelope key, its next uplink counter), before the agent runs on the directory. What a meter whose
// firmware sealed a body the head-end refuses for good holds at the head of its queue, or (forged)
// bytes that no longer authenticate.
import { join } from 'node:path';
import type { Clock } from '@phasewire/core';
import type { MessageType } from '@phasewire/secure';
import { FileCounterStore } from '@phasewire/secure/node';
import { agentEnvelopes } from '../node/agent-envelopes.ts';
import type { AgentIdentity } from '../node/enrollment.ts';
import { DurableQueue } from '../node/queue/durable-queue.ts';

export interface QueuedMessage {
  readonly type: MessageType;
  /** The body, CBOR-encoded into the envelope as the agent encodes its own (any value, valid or not). */
  readonly body?: unknown;
  /** Bytes sealed as the body as they are, instead of `body` (not CBOR, say). */
  readonly raw?: Uint8Array;
  /** Flip a bit of the authentication tag: the head-end cannot tell the message from a forgery. */
  readonly forge?: boolean;
}

/**
 * Seals `messages` with the agent's key and counters and appends them to the queue in `dataDir`, in
 * order, behind what is there. No agent may be running on the directory (its files are the agent's).
 */
export async function queueMessages(dataDir: string, identity: AgentIdentity, clock: Clock, messages: readonly QueuedMessage[]):
  Promise<void> {
  const queue = await DurableQueue.open(join(dataDir, 'queue'));
  const counters = await FileCounterStore.open(join(dataDir, 'uplink-counters'));
  const window = await FileCounterStore.open(join(dataDir, 'downlink-window'));
  try {
    const { sender } = agentEnvelopes({ identity, clock, counters, window, onRefusal: () => undefined });
    for (const message of messages) {
      const sealed = message.raw === undefined ? await sender.sealValue(identity.meter, message.type, message.body)
        : await sender.seal(identity.meter, message.type, message.raw);
      // The tag is the envelope's last 16 bytes (docs/security-envelope.md).
      if (message.forge === true) sealed[sealed.length - 1] = (sealed[sealed.length - 1] ?? 0) ^ 0x01;
      await queue.append(sealed);
    }
  } finally {
    await queue.close();
    await counters.close();
    await window.close();
  }
}
