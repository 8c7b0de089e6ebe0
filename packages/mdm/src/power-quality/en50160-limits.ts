// The limits of EN 50160:2010 for low-voltage supply that the weekly report judges, each with its
// clause (clause 4, "Low-voltage supply characteristics"):
//   §4.2.1 power frequency, systems with a synchronous connection to an interconnected system:
//     mean fundamental frequency over 10 s within 50 Hz ± 1 % (49.5 … 50.5 Hz) during 99.5 % of a
//     year, and within 50 Hz +4 % / −6 % (47 … 52 Hz) during 100 % of the time;
//   §4.2.2.2 supply voltage variations: during each week 95 % of the 10-minute mean RMS values within
//     Un ± 10 %, and all of them within Un +10 % / −15 %;
//   §4.2.4 supply voltage unbalance: during each week 95 % of the 10-minute mean RMS values of the
//     negative-sequence component within 0 … 2 % of the positive-sequence component;
//   §4.2.5 harmonic voltage: THD up to order 40 at most 8 % (judged, like the individual harmonics,
//     on 95 % of the week's 10-minute values);
//   §4.3.1 / §4.3.2 the event thresholds: an interruption below 5 % of the reference voltage, a dip
//     below 90 %, a swell above 110 %; IEC 61000-4-30:2015 §5.4.2 and §5.5.2 add a 2 % hysteresis.
// EN 50160 is a 50 Hz standard. For a 60 Hz system the frequency bands are the same percentages of
// 60 Hz (59.4 … 60.6 Hz and 56.4 … 62.4 Hz): a scaling phasewire states, not a band any standard sets.
export const en50160 = {
  frequency: { clause: 'EN 50160:2010 §4.2.1', narrow: { below: 0.01, above: 0.01, share: 0.995 }, wide: { below: 0.06, above: 0.04 } },
  voltage: { clause: 'EN 50160:2010 §4.2.2.2', narrow: { below: 0.1, above: 0.1, share: 0.95 }, wide: { below: 0.15, above: 0.1 } },
  unbalance: { clause: 'EN 50160:2010 §4.2.4', limit: 0.02, share: 0.95 },
  thd: { clause: 'EN 50160:2010 §4.2.5', limit: 0.08, share: 0.95 },
  /** The aggregation interval of §4.2.2 to §4.2.5 (IEC 61000-4-30:2015 §4.5.3: 10-minute values). */
  aggregationMs: 600_000,
} as const;
