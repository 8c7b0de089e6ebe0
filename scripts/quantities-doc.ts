// docs/quantities.md, generated from the quantity catalogue in packages/core/src/catalogue.ts.
import { catalogue } from '@phasewire/core';

export function quantitiesMarkdown(): string {
  const resolution = (steps: number, unit: string): string => `${1 / steps}${unit === '1' ? '' : ` ${unit}`}`;
  const rows = catalogue.map((q) =>
    `| \`${q.obis}\` | \`${q.key}\` | ${q.description} | ${q.unit} | ${resolution(q.steps, q.unit)} | ${q.conductor} | ${q.kind} |`);
  return [
    '# Quantities',
    '',
    'Generated from `packages/core/src/catalogue.ts` by `npm run gen:docs`; a test fails when this page is out of date.',
    '',
    'Every value phasewire measures, stores or transmits is named by its OBIS code (IEC 62056-6-1; DLMS UA',
    '1000-1 "Blue Book" §7.5). The key is the same quantity\'s name in CSV headers and JSON. Units are base',
    'units: energy in Wh and varh, ratios (power factor, THD) as fractions of 1.',
    '',
    'Conventions (IEC 62053-23, consumer reference): active power and energy are positive when imported;',
    'reactive import (+Q, +R) is quadrants I+II, reactive export (−Q, −R) quadrants III+IV; the power factor is',
    'P/S signed as P. Angles are the lag of the quantity behind its reference in degrees: voltages in [0, 360),',
    'a current against its own phase voltage in (−180, 180], positive for an inductive load. Line-to-line',
    'voltages have no code in the standard: phasewire uses value group C 128..199, which the standard leaves',
    'to manufacturers.',
    '',
    'Resolution: every value is carried on the uplink, stored, and answered by the API and its exports in',
    'whole steps of its quantity\'s resolution (`steps` in the catalogue, `roundToResolution` in core; the',
    'rationale is beside the table in `catalogue.ts`: each step is at least ten times finer than the best',
    'accuracy class of the quantity\'s standard). A digit below it is float noise, never a measurement.',
    '',
    '| OBIS | key | quantity | unit | resolution | conductor | kind |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
