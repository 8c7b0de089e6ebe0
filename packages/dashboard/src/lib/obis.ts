// The OBIS codes the dashboard shows, as in @phasewire/core's catalogue (IEC 62056-61 value groups;
// C 32/52/72 voltage L1..L3, 31/51/71 current, 33/53/73 power factor, 81 angles, D 7 instantaneous).
// Copied as strings because the dashboard may import only types from core; the catalogue's test of
// these keys lives in ./obis.test.ts.
export const OBIS = {
  voltageL1: '1-0:32.7.0',
  voltageL2: '1-0:52.7.0',
  voltageL3: '1-0:72.7.0',
  currentL1: '1-0:31.7.0',
  currentL2: '1-0:51.7.0',
  currentL3: '1-0:71.7.0',
  powerFactorL1: '1-0:33.7.0',
  powerFactorL2: '1-0:53.7.0',
  powerFactorL3: '1-0:73.7.0',
  angleVoltageL2: '1-0:81.7.10',
  angleVoltageL3: '1-0:81.7.20',
  angleCurrentL1: '1-0:81.7.40',
  angleCurrentL2: '1-0:81.7.51',
  angleCurrentL3: '1-0:81.7.62',
  currentNeutral: '1-0:91.7.0',
  activePower: '1-0:16.7.0',
  frequency: '1-0:14.7.0',
  activeEnergyImport: '1-0:1.8.0',
} as const;

export type ShownQuantity = keyof typeof OBIS;
