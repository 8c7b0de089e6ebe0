// Child process for the kill -9 test: runs a meter agent on the enrolled data directory `argv[2]`
// against the broker on port `argv[3]`, takes a reading per simulated minute as fast as it can, and
// prints each reading's time once takeReading() has resolved (that is, once it is durable).
import process from 'node:process';
import { ManualClock, parseMeterId, SeededRandom } from '@phasewire/core';
import { linkProfiles } from '../link-profile.ts';
import { createSimulatedMeter } from '@phasewire/meter';
import { loadAgentIdentity } from '../node/enrollment.ts';
import { MeterAgent } from '../node/meter-agent.ts';

const [dataDir = '', port = '0', meterText = '', startText = '0'] = process.argv.slice(2);
const meter = parseMeterId(meterText);
const start = Number(startText);
const identity = await loadAgentIdentity(dataDir, meter);
if (identity === undefined) throw new Error(`no enrollment in ${dataDir}`);
const clock = new ManualClock(start);
const agent = await MeterAgent.open({
  identity, dataDir, broker: { host: '127.0.0.1', port: Number(port) },
  profile: { ...linkProfiles.wifi, intervalsPerMessage: 3 },
  meter: createSimulatedMeter({ meter, scenario: 'balanced-resistive', mode: 'phasor', seed: 7, start }),
  clock, random: new SeededRandom(1),
});
agent.start();
for (;;) {
  clock.advance(60_000);
  await agent.takeReading();
  process.stdout.write(`${clock.now()}\n`);
}
