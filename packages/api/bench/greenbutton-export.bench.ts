// The Green Button export of one meter-month (January 2026 in Europe/Berlin: 2,976 intervals of
// each of the four energy registers, 11,904 IntervalReadings in 31 local-day blocks), against
// JSON.stringify of the same interval objects in the same run: the least any export must do to
// turn the data into text. The ratio is what the ESPI structure (entries, links, blocks, a
// timePeriod and quality per reading), the local days and the XML escaping cost above that.
//
// The target (≤ 10× JSON) is this benchmark's own: PERFORMANCE.md sets none for exports. The feed
// is about twice JSON's bytes. A DOM builder (xmlbuilder2, timed during development at about 2.3 s
// for the same month on the shared, loaded machine) is what the writer replaced: the export runs on
// the API's event loop, so a month must stay well under a second.
import { median, type Benchmark } from '@phasewire/bench';
import type { MeterId, ObisCode } from '@phasewire/core';
import type { IntervalQuality, IntervalValue } from '@phasewire/store';
import { greenButtonFeed, type GreenButtonSeries } from '../src/export/greenbutton.ts';

const from = Date.UTC(2025, 11, 31, 23);
const to = Date.UTC(2026, 0, 31, 23);
const quarter = 900_000;
const meter = 'm-bench-1' as MeterId;

function series(quantity: string, scale: number): GreenButtonSeries {
  const intervals: IntervalValue[] = [];
  for (let end = from + quarter, i = 0; end <= to; end += quarter, i++) {
    const quality: IntervalQuality = i % 97 === 0 ? 'estimated' : i % 211 === 0 ? 'edited' : 'validated';
    const value = Math.round((200 + ((i * 7919) % 300)) * scale * 10) / 10;
    intervals.push({ meter, quantity: quantity as ObisCode, end, raw: value, validated: value, final: null, value, quality });
  }
  return { quantity: quantity as ObisCode, intervals };
}

const data = [series('1-0:1.8.0', 1), series('1-0:2.8.0', 0.1), series('1-0:3.8.0', 0.4), series('1-0:4.8.0', 0.05)];
const request = {
  meter, timeZone: 'Europe/Berlin', range: { from, to }, generatedAt: to, baseUri: 'https://bench/espi/1_1/resource', series: data,
};

function timed(work: () => string): { readonly ms: number; readonly bytes: number } {
  const start = process.hrtime.bigint();
  const text = work();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, bytes: text.length };
}

const benchmark: Benchmark = {
  name: 'greenbutton-export',
  title: 'Green Button feed of one meter-month (4 registers, 11,904 readings), against JSON.stringify of the same intervals',
  target: { atMost: 10 },
  runs: 3,
  measure() {
    greenButtonFeed(request);
    JSON.stringify(data);
    const feed: number[] = [];
    const json: number[] = [];
    let bytes = { feed: 0, json: 0 };
    for (let round = 0; round < 5; round++) {
      const f = timed(() => greenButtonFeed(request));
      const j = timed(() => JSON.stringify(data));
      feed.push(f.ms);
      json.push(j.ms);
      bytes = { feed: f.bytes, json: j.bytes };
    }
    return Promise.resolve({
      figure: { label: 'Green Button feed, one meter-month', value: median(feed), unit: 'ms' },
      reference: { label: 'JSON.stringify of the same intervals', value: median(json), unit: 'ms', kind: 'limit' },
      extra: { feedBytes: bytes.feed, jsonBytes: bytes.json, readings: data.reduce((n, s) => n + s.intervals.length, 0) },
    });
  },
};

export default benchmark;
