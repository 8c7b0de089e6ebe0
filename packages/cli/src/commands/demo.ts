// `phasewire demo` (what `npm start` runs): a small fleet of simulated meters measured live, one
// reading per second, shown as a table of the three phases and their unbalance.
import type { Command } from 'commander';
import { parseMeterId, Q, vufFromLineMagnitudes, lvur, pvur, type ObisCode, type Snapshot } from '@phasewire/core';
import { createSimulatedMeter, type SimulatedMeter } from '@phasewire/meter';
import type { CliIo } from '../io.ts';
import { parseDuration, parseInteger } from '../options.ts';

interface DemoOptions {
  meters: string;
  seed: string;
  speed: string;
  duration?: string;
}

/** The demo fleet: one meter per kind of site the demo should show. */
const fleetScenarios = ['balanced-motor', 'nonlinear', 'single-phase-l2', 'developing-imbalance', 'unbalanced', 'us-480', 'daily-profile'] as const;

const tickMs = 1000;

export function registerDemo(program: Command, io: CliIo): void {
  program.command('demo')
    .description('Run a demo fleet of simulated meters live and show their three phases (what `npm start` runs).')
    .option('--meters <n>', 'number of meters', String(fleetScenarios.length))
    .option('--seed <n>', 'seed of the fleet', '1')
    .option('--speed <factor>', 'simulated seconds per real second, so that slow changes such as a developing imbalance show within minutes', '60')
    .option('--duration <time>', 'stop after this long in real time (default: run until Ctrl-C)')
    .action(async (options: DemoOptions) => {
      const count = parseInteger('--meters', options.meters, 1, 1000);
      const seed = parseInteger('--seed', options.seed, 0, 0xffff_ffff);
      const speed = parseInteger('--speed', options.speed, 1, 3600);
      const duration = options.duration === undefined ? Number.POSITIVE_INFINITY : parseDuration('--duration', options.duration);
      const start = Date.now();
      const simulated = (): number => start + (Date.now() - start) * speed;
      const fleet: SimulatedMeter[] = Array.from({ length: count }, (_, i) => createSimulatedMeter({
        meter: parseMeterId(`demo-meter-${String(i + 1).padStart(3, '0')}`),
        scenario: fleetScenarios[i % fleetScenarios.length] ?? 'balanced-motor',
        mode: 'phasor',
        seed: seed + i,
        start,
      }));
      io.out(`phasewire demo: ${count} simulated meters (phasor mode), shown every ${tickMs / 1000} s; simulated time runs ${speed}× real time. Ctrl-C stops.\n`);
      await runTicks(io, duration, () => {
        const now = simulated();
        const rows = fleet.map((meter, i) => formatRow(meter.advanceTo(now), fleetScenarios[i % fleetScenarios.length] ?? ''));
        const table = [header, ...rows].join('\n');
        const title = `simulated time ${new Date(now).toISOString()}`;
        io.out(io.interactive === true ? `\u001b[H\u001b[2J${title}\n${table}\n` : `${title}\n${table}\n`);
      });
    });
}

async function runTicks(io: CliIo, duration: number, tick: () => void): Promise<void> {
  const until = Date.now() + duration;
  const stopped = io.interrupted ?? new Promise<void>(() => undefined);
  let interrupted = false;
  void stopped.then(() => { interrupted = true; });
  // Read through a function: the flag changes in a callback, which type narrowing does not see.
  const isInterrupted = (): boolean => interrupted;
  while (!isInterrupted() && Date.now() < until) {
    await Promise.race([new Promise((resolve) => setTimeout(resolve, tickMs)), stopped]);
    if (!isInterrupted()) tick();
  }
}

const header = [
  'meter'.padEnd(16), 'scenario'.padEnd(20),
  'U1 V'.padStart(7), 'U2 V'.padStart(7), 'U3 V'.padStart(7),
  'I1 A'.padStart(7), 'I2 A'.padStart(7), 'I3 A'.padStart(7), 'IN A'.padStart(7),
  'P kW'.padStart(8), 'PF'.padStart(6), 'VUF %'.padStart(6), 'LVUR %'.padStart(7), 'PVUR %'.padStart(7), 'A+ kWh'.padStart(10),
].join(' ');

function formatRow(snapshot: Snapshot, scenario: string): string {
  const v = (code: ObisCode): number => snapshot.values.get(code) ?? Number.NaN;
  const fixed = (x: number, digits: number, width: number): string => x.toFixed(digits).padStart(width);
  const lineVoltages = [v(Q.voltageL1L2), v(Q.voltageL2L3), v(Q.voltageL3L1)] as const;
  const phaseVoltages = [v(Q.voltageL1), v(Q.voltageL2), v(Q.voltageL3)] as const;
  return [
    snapshot.meter.padEnd(16), scenario.padEnd(20),
    fixed(phaseVoltages[0], 1, 7), fixed(phaseVoltages[1], 1, 7), fixed(phaseVoltages[2], 1, 7),
    fixed(v(Q.currentL1), 2, 7), fixed(v(Q.currentL2), 2, 7), fixed(v(Q.currentL3), 2, 7), fixed(v(Q.currentNeutral), 2, 7),
    fixed(v(Q.activePower) / 1000, 2, 8), fixed(v(Q.powerFactor), 3, 6),
    fixed(vufFromLineMagnitudes(lineVoltages).value * 100, 2, 6),
    fixed(lvur(lineVoltages).value * 100, 2, 7), fixed(pvur(phaseVoltages).value * 100, 2, 7),
    fixed(v(Q.activeEnergyImport) / 1000, 3, 10),
  ].join(' ');
}
