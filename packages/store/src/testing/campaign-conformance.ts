// The conformance suite of the campaign store port (store/campaign-state.ts): both adapters run it
// (sqlite-campaign-store.test.ts, postgres-campaign-store.test.ts) against a real database.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '@phasewire/core';
import type { CampaignDeviceRecord, CampaignRecord, CampaignStore } from '../campaign-state.ts';

export interface CampaignStoreTarget {
  /** Opens the store on database `db`, creating it on first use; the same `db` reopens the same data. */
  open(db: string): Promise<CampaignStore>;
}

const t0 = Date.UTC(2027, 2, 1);
let databases = 0;

const campaign = (id: string, createdAt = t0): CampaignRecord => ({
  id, name: `Campaign ${id}`, target: 'PW3/r2/PW3-r2-1.4.0.bin', version: '1.4.0', selector: { models: ['PW3'], tags: ['north'] },
  waves: [0.1, 0.5, 1], failureThreshold: 0.2, window: { start: '22:00', end: '04:00', zone: 'Europe/Berlin' }, status: 'running', wave: 0,
  statusReason: null, acceptedFailures: 0, createdBy: 'user:ann', createdAt, updatedAt: createdAt,
});

const device = (c: string, n: number, wave: number): CampaignDeviceRecord => ({
  campaign: c, device: `meter-${String(n).padStart(4, '0')}`, wave, state: 'pending', reason: null, command: null, updatedAt: t0,
});

export function campaignConformance(name: string, target: CampaignStoreTarget): void {
  const fresh = async (): Promise<{ store: CampaignStore; db: string }> => {
    const db = `campaign_conformance_${++databases}`;
    return { store: await target.open(db), db };
  };
  const test = (title: string, body: () => Promise<void>): void => { void it(title, body); };

  void describe(`campaign store conformance: ${name}`, () => {
    test('stores a campaign with its devices and reads back every field', async () => {
      const { store } = await fresh();
      try {
        const devices = Array.from({ length: 1200 }, (_, i) => device('c1', i, i < 120 ? 0 : i < 600 ? 1 : 2));
        await store.createCampaign(campaign('c1'), devices);
        assert.deepEqual(await store.campaign('c1'), campaign('c1'));
        assert.equal(await store.campaign('nope'), undefined);
        assert.equal((await store.devices('c1')).length, 1200);
        assert.deepEqual(await store.device('c1', 'meter-0007'), devices[7]);
        assert.equal((await store.devices('c1', { wave: 1 })).length, 480);
        assert.equal((await store.devices('c1', { wave: 0, limit: 5 })).length, 5);
        assert.deepEqual(await store.counts('c1'), [
          { wave: 0, state: 'pending', count: 120 }, { wave: 1, state: 'pending', count: 480 }, { wave: 2, state: 'pending', count: 600 },
        ]);
      } finally {
        await store.close();
      }
    });

    test('refuses a second campaign of the same id and lists the newest first', async () => {
      const { store } = await fresh();
      try {
        await store.createCampaign(campaign('a', t0), [device('a', 1, 0)]);
        await store.createCampaign(campaign('b', t0 + 1000), []);
        await assert.rejects(store.createCampaign(campaign('a'), []), (e) => hasCode(e, 'PW_ERR_CAMPAIGN_INVALID'));
        assert.deepEqual((await store.campaigns()).map((c) => c.id), ['b', 'a']);
      } finally {
        await store.close();
      }
    });

    test('commits a campaign change and device transitions together, and they survive a reopen', async () => {
      const { store, db } = await fresh();
      await store.createCampaign(campaign('c'), [device('c', 1, 0), device('c', 2, 0), device('c', 3, 1)]);
      const paused: CampaignRecord = { ...campaign('c'), status: 'paused', statusReason: 'failures passed 20 %', acceptedFailures: 1,
        updatedAt: t0 + 5 };
      await store.commitCampaign({ campaign: paused, devices: [
        { ...device('c', 1, 0), state: 'committed', command: 'cmd-1', updatedAt: t0 + 5 },
        { ...device('c', 2, 0), state: 'rolled-back', reason: 'PW_ERR_X: no ack within 60 s', command: 'cmd-2', updatedAt: t0 + 5 },
      ] });
      await store.close();
      const again = await target.open(db);
      try {
        assert.deepEqual(await again.campaign('c'), paused);
        assert.deepEqual((await again.devices('c', { states: ['rolled-back', 'failed'] })).map((d) => [d.device, d.reason]),
          [['meter-0002', 'PW_ERR_X: no ack within 60 s']]);
        assert.deepEqual(await again.devices('c', { states: [] }), []);
        assert.deepEqual(await again.counts('c'), [
          { wave: 0, state: 'committed', count: 1 }, { wave: 0, state: 'rolled-back', count: 1 }, { wave: 1, state: 'pending', count: 1 },
        ]);
        await assert.rejects(again.commitCampaign({ campaign: campaign('ghost'), devices: [] }),
          (e) => hasCode(e, 'PW_ERR_CAMPAIGN_NOT_FOUND'));
      } finally {
        await again.close();
      }
    });

    test('keeps a device\'s group and tags, replaces them, and forgets a device with none', async () => {
      const { store } = await fresh();
      try {
        await store.putLabels({ device: 'meter-1', group: 'feeder-7', tags: ['north', 'pilot', 'north'] });
        await store.putLabels({ device: 'meter-2', group: null, tags: ['south'] });
        await store.putLabels({ device: 'meter-2', group: 'feeder-8', tags: [] });
        await store.putLabels({ device: 'meter-3', group: 'x', tags: [] });
        await store.putLabels({ device: 'meter-3', group: null, tags: [] });
        assert.deepEqual(await store.labels(), [
          { device: 'meter-1', group: 'feeder-7', tags: ['north', 'pilot'] }, { device: 'meter-2', group: 'feeder-8', tags: [] },
        ]);
      } finally {
        await store.close();
      }
    });

    test('refuses use after close', async () => {
      const { store } = await fresh();
      await store.close();
      await assert.rejects(store.campaigns(), (e) => hasCode(e, 'PW_ERR_STORE_CLOSED'));
    });
  });
}
