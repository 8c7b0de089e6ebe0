#!/usr/bin/env node
// `node scripts/line-report.ts [--files]`: how far each package is from the size limits of eslint.config.js
// (no line over 140 characters, no file over 400 lines), counted the way ESLint's max-len and max-lines
// count, so that the folders still listed as pending there can be finished one at a time. A report, not a
// check: eslint fails where the limits are in force.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const maxLineLength = 140;
export const maxFileLines = 400;

export interface FileSize {
  readonly file: string;
  readonly lines: number;
  readonly longLines: number;
}

export interface AreaSize {
  readonly area: string;
  readonly files: number;
  readonly longLines: number;
  readonly longFiles: number;
}

/** Lines as ESLint splits them; a final line break does not start a line of its own. */
function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|[\r\n\u2028\u2029]/u);
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  return lines;
}

/** Length as max-len measures it: code points, a tab reaching the next multiple of 4 columns. */
export function lineLength(line: string): number {
  let columns = 0;
  for (const char of line) columns = char === '\t' ? columns + 4 - (columns % 4) : columns + 1;
  return columns;
}

export function measureFile(file: string, text: string): FileSize {
  const lines = splitLines(text);
  return { file, lines: lines.length, longLines: lines.filter((line) => lineLength(line) > maxLineLength).length };
}

/** The package (`packages/core`, `tools/bench`) or top folder (`scripts`) a file belongs to. */
export function areaOf(file: string): string {
  const [top = '', name = ''] = file.split('/');
  return top === 'packages' || top === 'tools' ? `${top}/${name}` : top;
}

export function summarise(sizes: readonly FileSize[]): AreaSize[] {
  const areas = new Map<string, { files: number; longLines: number; longFiles: number }>();
  for (const size of sizes) {
    const area = areas.get(areaOf(size.file)) ?? { files: 0, longLines: 0, longFiles: 0 };
    area.files += 1;
    area.longLines += size.longLines;
    if (size.lines > maxFileLines) area.longFiles += 1;
    areas.set(areaOf(size.file), area);
  }
  return [...areas].map(([area, counts]) => ({ area, ...counts })).sort((a, b) => a.area.localeCompare(b.area));
}

function main(listFiles: boolean): void {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'packages/', 'tools/', 'scripts/'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((file) => /\.tsx?$/.test(file));
  const sizes = files.map((file) => measureFile(file, readFileSync(file, 'utf8')));
  const areas = summarise(sizes);
  const row = (area: string, ...counts: readonly (number | string)[]): string =>
    [area.padEnd(20), ...counts.map((count, i) => String(count).padStart(i === 0 ? 6 : 12))].join(' ');
  console.log(row('area', 'files', `lines > ${maxLineLength}`, `files > ${maxFileLines}`));
  for (const a of areas) console.log(row(a.area, a.files, a.longLines, a.longFiles));
  const total = (key: 'files' | 'longLines' | 'longFiles'): number => areas.reduce((sum, a) => sum + a[key], 0);
  console.log(row('total', total('files'), total('longLines'), total('longFiles')));
  if (!listFiles) return;
  for (const size of sizes.filter((s) => s.longLines > 0 || s.lines > maxFileLines)) {
    console.log(`${size.file}: ${size.longLines} line(s) over ${maxLineLength}, ${size.lines} lines`);
  }
}

if (import.meta.main) main(process.argv.includes('--files'));
