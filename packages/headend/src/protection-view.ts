// What the head-end shows of a meter's local protection (node/protection-view.ts builds it): the
// settings the meter last confirmed and its trips, newest first.
export interface ProtectionView {
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
