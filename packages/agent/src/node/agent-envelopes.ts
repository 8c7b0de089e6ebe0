// The agent's two envelope ends: uplink sealing with its persisted invocation counters, downlink
// opening with its persisted replay window, both keyed by the envelope key from enrollment.
import type { Clock, PhasewireError } from '@phasewire/core';
import { EnvelopeReceiver, EnvelopeSender, InstalledEnvelopeKeys, KeyRing } from '@phasewire/secure';
import { NodeAead } from '@phasewire/secure/node';
import type { FileCounterStore } from '@phasewire/secure/node';
import type { AgentIdentity } from './enrollment.ts';

export function agentEnvelopes(options: {
  identity: AgentIdentity; clock: Clock; counters: FileCounterStore; window: FileCounterStore; onRefusal: (error: PhasewireError) => void;
}): { sender: EnvelopeSender; receiver: EnvelopeReceiver } {
  const aead = new NodeAead();
  const keys = new InstalledEnvelopeKeys(aead);
  const { keyId, key } = options.identity.envelopeKey;
  keys.install(options.identity.meter, keyId, key);
  const keyRing = new KeyRing({ clock: options.clock, initialKeyId: keyId });
  return {
    sender: new EnvelopeSender({ direction: 'uplink', aead, keys, keyRing, counters: options.counters }),
    receiver: new EnvelopeReceiver({
      direction: 'downlink', aead, keys, keyRing, window: options.window,
      onRefusal: (refusal) => { options.onRefusal(refusal.error); },
    }),
  };
}
