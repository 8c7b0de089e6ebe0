// docs/quantities.md, generated from the quantity catalogue in packages/core/src/catalogue.ts.
import { catalogue } from '@phasewire/core';

export function quantitiesMarkdown(): string {
  const rows = catalogue.map((q) => `| \`${q.obis}\` | \`${q.key}\` | ${q.description} | ${q.unit} | ${q.conductor} | ${q.kind} |`);
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
    '| OBIS | key | quantity | unit | conductor | kind |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
