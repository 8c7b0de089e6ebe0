// Data-quality marks for the interval chart: runs of consecutive estimated, edited, failed or
// missing intervals become one band each, so a chart draws a few rectangles, not thousands.
import type { IntervalPoint, IntervalQualityDto } from '@phasewire/api';

export type MarkedQuality = Exclude<IntervalQualityDto, 'valid'>;

export interface QualityBand {
  readonly quality: MarkedQuality;
  /** Epoch seconds (uPlot's time unit) of the first interval's start. */
  readonly from: number;
  /** Epoch seconds of the end of the last interval of the run. */
  readonly to: number;
  readonly count: number;
  /** The rules behind the marks (VEE rule names), deduplicated in order. */
  readonly rules: readonly string[];
}

export const qualityText: Readonly<Record<MarkedQuality, string>> = {
  estimated: 'Estimated',
  edited: 'Edited',
  failed: 'Failed validation',
  missing: 'Missing',
};

/**
 * Bands of non-valid intervals. `intervalSeconds` is the length of one interval; two marks of
 * the same quality merge when the second starts where the first ended.
 */
export function qualityBands(points: readonly IntervalPoint[], intervalSeconds: number): QualityBand[] {
  const bands: { quality: MarkedQuality; from: number; to: number; count: number; rules: string[] }[] = [];
  for (const point of points) {
    if (point.quality === 'valid') continue;
    const start = Date.parse(point.start) / 1000;
    if (Number.isNaN(start)) continue;
    const last = bands.at(-1);
    if (last !== undefined && last.quality === point.quality && last.to === start) {
      last.to = start + intervalSeconds;
      last.count += 1;
      if (point.rule !== undefined && !last.rules.includes(point.rule)) last.rules.push(point.rule);
    } else {
      bands.push({ quality: point.quality, from: start, to: start + intervalSeconds, count: 1,
        rules: point.rule === undefined ? [] : [point.rule] });
    }
  }
  return bands;
}

/** Counts per quality, for the legend under the chart. */
export function qualityCounts(points: readonly IntervalPoint[]): Record<IntervalQualityDto, number> {
  const counts: Record<IntervalQualityDto, number> = { valid: 0, estimated: 0, edited: 0, failed: 0, missing: 0 };
  for (const p of points) counts[p.quality] += 1;
  return counts;
}
