// The service's own behaviour apart from the data (the imbalance scenario through the service, on
// SQLite and PostgreSQL, is in packages/cli/test/imbalance-alarms.test.ts: server may not import
// the meter package): the schedule's timer, and its options checked at start.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hasCode, ManualClock, parseMeterId, Q } from '@phasewire/core';
import type { MeterStore } from '../../store/meter-store.ts';
import { SqliteMeterStore } from '../store/sqlite/sqlite-meter-store.ts';
import { startMdmService } from './mdm-service.ts';

const dir = mkdtempSync(join(tmpdir(), 'phasewire-mdm-timer-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });
const t0 = Date.UTC(2026, 0, 5);

/** Counts the store calls the schedule makes. */
function counting(store: MeterStore): { store: MeterStore; calls: Record<string, number> } {
  const calls: Record<string, number> = { maintain: 0, purge: 0, mdmWatermarks: 0 };
  const proxy = new Proxy(store, {
    get(target, name: string) {
      const value = Reflect.get(target, name) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (name in calls) calls[name] = (calls[name] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await sleep(10);
  assert.ok(condition(), 'the condition was not reached within 5 s');
}

describe('the MDM service schedule', () => {
  it('runs every job at start, then each once per period of its clock', async () => {
    const clock = new ManualClock(t0);
    const sqlite = await SqliteMeterStore.open({ path: join(dir, 'timer.db'), clock });
    await sqlite.appendReadings([{ meter: parseMeterId('meter-0001'), quantity: Q.activeEnergyImport, at: t0, value: 1000 }]);
    const { store, calls } = counting(sqlite);
    const service = startMdmService({ store, clock, schedule: { pollMs: 5, runEveryMs: 900_000, maintainEveryMs: 300_000, purgeEveryMs: 86_400_000 } });
    await until(() => calls['purge'] === 1);
    assert.deepEqual([calls['mdmWatermarks'], calls['maintain'], calls['purge']], [1, 1, 1], 'run, maintain and purge: once each');
    clock.advance(300_000);
    await until(() => calls['maintain'] === 2);
    assert.equal(calls['mdmWatermarks'], 1, 'no run before its period');
    clock.advance(600_000);
    await until(() => calls['mdmWatermarks'] === 2);
    assert.equal(calls['purge'], 1);
    await service.stop();
    assert.equal((await sqlite.mdmWatermarks()).length, 1, 'the run committed the meter\'s watermark');
    await sqlite.close();
  });

  it('refuses a bad schedule, window or meter setup at start with PW_ERR_MDM_CONFIG', async () => {
    const store = await SqliteMeterStore.open({ path: join(dir, 'config.db'), clock: new ManualClock(t0) });
    assert.throws(() => startMdmService({ store, schedule: { runEveryMs: 0 } }), (e) => hasCode(e, 'PW_ERR_MDM_CONFIG') && /schedule\.runEveryMs is 0/.test(e.message));
    assert.throws(() => startMdmService({ store, lateWindowMs: -1 }), (e) => hasCode(e, 'PW_ERR_MDM_CONFIG'));
    assert.throws(() => startMdmService({ store, meters: { meters: { 'meter-1': { ctRatio: 0 } } } }), (e) => hasCode(e, 'PW_ERR_MDM_CONFIG') && /meter-1 has ctRatio 0/.test(e.message));
    assert.throws(() => startMdmService({ store, alarms: { defaults: { rules: { 'phase-loss': { hysteresis: -1 } } } } }), (e) => hasCode(e, 'PW_ERR_ALARM_CONFIG'));
    await store.close();
  });
});
