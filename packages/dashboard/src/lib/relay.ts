// The load relay in words, as the meter last reported it in its sealed status (docs/protection.md):
// what the meter page's badge and the Trips page say.
import type { RelayDto } from '@phasewire/api';

export function relayText(relay: RelayDto | null): string {
  if (relay === null || relay.state === 'closed') return 'relay closed';
  const why = relay.cause === 'trip' ? `tripped by ${relay.fn ?? 'protection'}`
    : relay.cause === 'remote' ? 'disconnected remotely' : 'open';
  return `relay open: ${why}${relay.armed ? ', armed for reconnect' : ''}`;
}
