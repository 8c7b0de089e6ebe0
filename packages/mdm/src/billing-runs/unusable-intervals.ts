// Interval values no meter measures, taken out before rating. An interval is a register's difference,
// so a register that was reset or rolled over (a meter exchanged without its reads split, a firmware
// reset) gives one negative interval: no energy anyone used, and billing it credited the customer
// (−506 kWh on a January bill). A jump of the register by 10^13 Wh gives an interval whose sum over the
// period the engine cannot add exactly, so it refused the meter, and the refusal stopped the whole bill
// run. Such an interval (negative, infinite, or above 2^53 mWh ÷ the period's slots: 3 GWh a quarter
// hour in a month) is made missing, as `slotData` refuses it on the direct path. A pass of its own after
// placing, so that it holds however the slots are placed.
import type { SlotData } from '../billing/determinants.ts';
import { qualityCodes } from '../types.ts';

const missingCode = qualityCodes.indexOf('missing') + 1;

/** Makes every slot with an unusable value missing (its four values 0); returns `data`. */
export function dropUnusableIntervals(data: SlotData): SlotData {
  const n = data.quality.length;
  const most = Math.floor(Number.MAX_SAFE_INTEGER / Math.max(1, n));
  const columns = [data.importMwh, data.exportMwh, data.reactiveImportMvarh, data.reactiveExportMvarh];
  for (const column of columns) {
    for (let k = 0; k < n; k++) {
      const value = column[k] as number;
      // NaN is never placed (an absent value is 0); the comparison is false for it all the same.
      if (value >= 0 && value <= most) continue;
      data.quality[k] = missingCode;
      for (const c of columns) c[k] = 0;
    }
  }
  return data;
}
