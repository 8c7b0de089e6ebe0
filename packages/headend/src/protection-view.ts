// What the head-end shows of a meter's local protection (node/protection-view.ts builds it): the
// settings and load limit the meter last confirmed, its relay as it last reported it, and its trips,
// newest first; and of the fleet's: the latest trips and the meters whose relay is open.
import type { RelayStatus } from '@phasewire/core/protocol';

/** A relay status as the head-end recorded it (receivedAt: when, ms). */
export interface RelayView extends RelayStatus {
  readonly receivedAt: number;
}

export interface ProtectionFleetView {
  readonly trips: readonly { readonly device: string; readonly receivedAt: number; readonly record: Readonly<Record<string, unknown>> }[];
  /** Meters whose relay is open now, latest change first. */
  readonly open: readonly (RelayView & { readonly device: string })[];
}

export interface ProtectionView {
  /** The relay as the meter last reported it; null: it never reported a change (closed as far as known). */
  readonly relay?: RelayView | null;
  /** The load limit the meter last confirmed (a load-limit command answered ok); null: none. */
  readonly loadLimit?: { readonly version: number; readonly limit: Readonly<Record<string, unknown>>; readonly confirmedAt: number } | null;
  readonly settings: {
    readonly version: number;
    readonly settings: Readonly<Record<string, unknown>>;
    /** When the meter's answer was recorded, ms. */
    readonly confirmedAt: number;
    readonly command: string;
  } | null;
  /** Trip records as the meter sent them, with when the head-end recorded each (ms). */
  readonly trips: readonly { readonly receivedAt: number; readonly record: Readonly<Record<string, unknown>> }[];
}
