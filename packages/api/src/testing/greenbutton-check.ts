// Checks a Green Button feed the way a third party would: xmllint (Debian libxml2-utils, installed
// by scripts/setup-system) against the ESPI 3.3 schemas kept in packages/api/schemas/greenbutton/,
// and fast-xml-parser, an XML reader independent of the builder, to read the interval values back.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';

export const greenButtonSchema = fileURLToPath(new URL('../../schemas/greenbutton/greenbutton.xsd', import.meta.url));

export interface SchemaVerdict {
  readonly valid: boolean;
  /** What xmllint printed (the errors, or "feed.xml validates"). */
  readonly output: string;
}

/** Validates the feed with xmllint against the ESPI schemas. */
export async function validateGreenButton(xml: string): Promise<SchemaVerdict> {
  const dir = await mkdtemp(join(tmpdir(), 'phasewire-gb-'));
  try {
    const file = join(dir, 'feed.xml');
    await writeFile(file, xml);
    return await new Promise((resolve, reject) => {
      execFile('xmllint', ['--noout', '--nonet', '--schema', greenButtonSchema, file], { timeout: 60_000 }, (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          reject(new Error(`Cannot run xmllint: ${error.message}`, { cause: error }));
          return;
        }
        resolve({ valid: error === null, output: `${stdout}${stderr}` });
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One IntervalReading as read back: start and duration (s), value, quality codes. */
export interface ReadBackInterval {
  readonly start: number;
  readonly duration: number;
  readonly value: number;
  readonly qualities: readonly number[];
}

export interface ReadBackFeed {
  /** Each entry's content element name (UsagePoint, MeterReading, …) and title. */
  readonly entries: readonly { readonly kind: string; readonly title: string; readonly content: Record<string, unknown> }[];
  /** IntervalReadings of every IntervalBlock, by the block's entry title. */
  readonly blocks: readonly { readonly title: string; readonly start: number; readonly duration: number;
    readonly readings: readonly ReadBackInterval[] }[];
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Reads a feed with fast-xml-parser (namespace prefixes removed), independent of the code that wrote it. */
export function readGreenButton(xml: string): ReadBackFeed {
  const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: false, parseTagValue: true,
    isArray: (name) => ['entry', 'link', 'IntervalReading', 'ReadingQuality', 'costAdditionalDetailLastPeriod'].includes(name) });
  const doc = parser.parse(xml) as { feed: { entry: Record<string, unknown>[] } };
  const entries = list(doc.feed.entry).map((entry) => {
    const content = entry['content'] as Record<string, unknown>;
    const kind = Object.keys(content).find((k) => !k.startsWith('@_')) ?? '';
    return { kind, title: String(entry['title']), content: content[kind] as Record<string, unknown> };
  });
  const blocks = entries.filter((e) => e.kind === 'IntervalBlock').map((e) => {
    const interval = e.content['interval'] as { start: number; duration: number };
    const readings = list(e.content['IntervalReading'] as Record<string, unknown>[]).map((r) => {
      const period = r['timePeriod'] as { start: number; duration: number };
      const qualities = list(r['ReadingQuality'] as { quality: number }[]).map((q) => q.quality);
      return { start: period.start, duration: period.duration, value: r['value'] as number, qualities };
    });
    return { title: e.title, start: interval.start, duration: interval.duration, readings };
  });
  return { entries, blocks };
}
