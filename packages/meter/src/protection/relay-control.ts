// Who may close the load relay, and when, following utility practice for remote disconnect
// (a remote reconnect never energises an installation unannounced): after a trip or a remote
// disconnect, a reconnect command only ARMS the relay; it closes when someone at the premises confirms
// (the meter's button: `confirmLocally`) or when a second, confirming reconnect command comes. Policy
// 'direct' (no protection settings installed: the meter as it was) closes on the first reconnect.
// Protection blocks any close while the supply's phase sequence is reversed or a phase is lost.
import type { LoadRelay } from '../load-relay.ts';

export type ReconnectPolicy = 'arm' | 'direct';

export interface RelayOutcome {
  readonly ok: boolean;
  readonly relay: 'open' | 'closed';
  readonly armed: boolean;
  /** Why it was refused: a PW_ERR_ code and a sentence. */
  readonly code?: string;
  readonly reason?: string;
}

export interface RelayControlState {
  readonly relay: 'open' | 'closed';
  readonly armed: boolean;
  /** Why the relay is open: a protection trip, or the head-end's disconnect. */
  readonly openedBy?: 'trip' | 'remote';
  /** The function that tripped it (`phase-loss`, `load-limit`, …) when a trip opened it. */
  readonly fn?: string;
}

export class RelayControl {
  readonly #relay: LoadRelay;
  #armed = false;
  #openedBy: 'trip' | 'remote' | undefined;
  #fn: string | undefined;
  /** Why closing is blocked now (protection's check of the supply side), or undefined. */
  readonly #blocked: () => string | undefined;

  constructor(relay: LoadRelay, blocked: () => string | undefined, state?: Partial<RelayControlState>) {
    this.#relay = relay;
    this.#blocked = blocked;
    this.restore(state ?? {});
  }

  /** Takes up a state kept on disk (a restarted agent): the relay as it was, armed or not. */
  restore(state: Partial<RelayControlState>): void {
    if (state.relay === 'open') this.#relay.open();
    if (state.relay === 'closed') this.#relay.close();
    this.#armed = state.armed === true && this.#relay.state === 'open';
    this.#openedBy = this.#relay.state === 'open' ? state.openedBy : undefined;
    this.#fn = this.#openedBy === 'trip' ? state.fn : undefined;
  }

  get relay(): LoadRelay {
    return this.#relay;
  }

  state(): RelayControlState {
    return {
      relay: this.#relay.state, armed: this.#armed, ...(this.#openedBy === undefined ? {} : { openedBy: this.#openedBy }),
      ...(this.#fn === undefined ? {} : { fn: this.#fn }),
    };
  }

  disconnect(): RelayOutcome {
    this.#relay.open();
    this.#armed = false;
    this.#openedBy = 'remote';
    this.#fn = undefined;
    return this.#ok();
  }

  /** Protection opened the relay (Protection.evaluate did); it stays open until reconnected by policy. */
  tripped(fn?: string): void {
    this.#relay.open();
    this.#armed = false;
    this.#openedBy = 'trip';
    this.#fn = fn;
  }

  /** A reconnect command: with policy 'arm', arms (or, `confirm`ing an armed relay, closes); with 'direct', closes. */
  reconnect(policy: ReconnectPolicy, confirm: boolean): RelayOutcome {
    if (this.#relay.state === 'closed') return this.#ok();
    if (policy === 'direct') return this.#close();
    if (!confirm) {
      this.#armed = true;
      return this.#ok();
    }
    if (!this.#armed) {
      return this.#refuse('PW_ERR_RELAY_NOT_ARMED', 'Cannot close the load relay on a confirming reconnect: it is not armed; '
        + 'expected a reconnect command (which arms it) first');
    }
    return this.#close();
  }

  /** The confirm at the premises (the meter's button): closes an armed relay. */
  confirmLocally(): RelayOutcome {
    if (this.#relay.state === 'closed') return this.#ok();
    if (!this.#armed) {
      return this.#refuse('PW_ERR_RELAY_NOT_ARMED', 'Cannot close the load relay from the meter: it is not armed; expected the '
        + 'head-end\'s reconnect first');
    }
    return this.#close();
  }

  #close(): RelayOutcome {
    const blocked = this.#blocked();
    if (blocked !== undefined) return this.#refuse('PW_ERR_RELAY_BLOCKED', `Cannot close the load relay: ${blocked}`);
    this.#relay.close();
    this.#armed = false;
    this.#openedBy = undefined;
    this.#fn = undefined;
    return this.#ok();
  }

  #ok(): RelayOutcome {
    return { ok: true, relay: this.#relay.state, armed: this.#armed };
  }

  #refuse(code: string, reason: string): RelayOutcome {
    return { ok: false, relay: this.#relay.state, armed: this.#armed, code, reason };
  }
}
