// The protection routes: settings checked against their schema before anything is sent, sent as a
// protection-settings command with the settings, shown once confirmed with the meter's trips; the
// confirming reconnect carries its confirm. Roles are walked in api-access.test.ts.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call
   -- answers are parsed JSON, read field by field */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApiRig, type ApiRig } from '../testing/api-test-kit.ts';

describe('protection routes', () => {
  let rig: ApiRig;
  before(async () => { rig = await startApiRig(); });
  after(async () => { await rig.close(); });
  const admin = () => rig.sessions.get('admin')!;
  const operator = () => rig.sessions.get('operator')!;

  it('refuses settings that do not fit their schema, naming the field, and sends none', async () => {
    const before = rig.commands.length;
    const body = { version: 3, undervoltage: { pickup: 7 } };
    const answer = await rig.call('PUT', '/api/v1/meters/m-a1/protection', { session: admin(), body });
    assert.equal(answer.status, 400);
    assert.match(JSON.stringify(answer.json), /undervoltage\.pickup/);
    assert.equal(rig.commands.length, before);
    const noVersion = await rig.call('PUT', '/api/v1/meters/m-a1/protection', { session: admin(), body: { hysteresis: 0.05 } });
    assert.equal(noVersion.status, 400);
  });

  it('sends settings as a protection-settings command carrying them, audited, and shows them with the trips', async () => {
    const settings = { version: 7, voltageUnbalance: { warn: 0.01, trip: 0.025 } };
    const answer = await rig.call('PUT', '/api/v1/meters/m-a2/protection', { session: admin(), body: settings });
    assert.equal(answer.status, 200);
    assert.deepEqual(rig.commands.at(-1), { device: 'm-a2', kind: 'protection-settings', params: { settings } });
    const view = await rig.call('GET', '/api/v1/meters/m-a2/protection', { session: operator() });
    assert.deepEqual([view.json.settings.version, view.json.settings.settings.voltageUnbalance.trip, view.json.trips], [7, 0.025, []]);
    const audit = await rig.call('GET', '/api/v1/audit?limit=1000', { session: admin() });
    const entry = audit.json.items.find((e: { action: string; object: string }) => e.action === 'meter.protection.settings'
      && e.object === 'meter:m-a2');
    assert.equal(entry.detail.version, 7);
  });

  it('sends a confirming reconnect with its confirm, and refuses a confirm on anything else', async () => {
    const ok = await rig.call('POST', '/api/v1/meters/m-a1/commands', { session: operator(), body: { kind: 'reconnect', confirm: true } });
    assert.equal(ok.status, 200);
    assert.deepEqual(rig.commands.at(-1), { device: 'm-a1', kind: 'reconnect', params: { confirm: true } });
    const wrong = await rig.call('POST', '/api/v1/meters/m-a1/commands', { session: operator(),
      body: { kind: 'disconnect', confirm: true } });
    assert.equal(wrong.status, 400);
    const arm = await rig.call('POST', '/api/v1/meters/m-a1/commands', { session: operator(), body: { kind: 'protection-arm' } });
    assert.equal(arm.json.kind, 'protection-arm');
    const settingsByCommand = await rig.call('POST', '/api/v1/meters/m-a1/commands', { session: operator(),
      body: { kind: 'protection-settings' } });
    assert.equal(settingsByCommand.status, 400, 'settings go by PUT /protection, with the settings');
  });

  it('sends a load limit checked against its schema as a load-limit command, audited, operators only', async () => {
    const before = rig.commands.length;
    const bad = await rig.call('PUT', '/api/v1/meters/m-a1/load-limit', { session: operator(), body: { version: 2, current: -1 } });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.json), /current/);
    assert.equal(rig.commands.length, before);
    const viewer = await rig.call('PUT', '/api/v1/meters/m-a1/load-limit', { session: rig.sessions.get('viewer')!,
      body: { version: 2, current: 32 } });
    assert.equal(viewer.status, 403);
    const limit = { version: 2, current: 32, delayMs: 30_000 };
    const ok = await rig.call('PUT', '/api/v1/meters/m-a1/load-limit', { session: operator(), body: limit });
    assert.deepEqual([ok.status, ok.json.kind], [200, 'load-limit']);
    assert.deepEqual(rig.commands.at(-1), { device: 'm-a1', kind: 'load-limit', params: { loadLimit: limit } });
    const audit = await rig.call('GET', '/api/v1/audit?limit=1000', { session: admin() });
    assert.ok(audit.json.items.some((e: { action: string; object: string }) =>
      e.action === 'meter.load-limit' && e.object === 'meter:m-a1'));
  });

  it('lists the caller\'s tenant\'s trips with their pre-trip values and its meters whose relay is open, no other tenant\'s', async () => {
    const fleet = await rig.call('GET', '/api/v1/protection/trips', { session: rig.sessions.get('viewer')! });
    assert.equal(fleet.status, 200);
    assert.deepEqual(fleet.json.trips.map((t: { meter: string; fn: string }) => [t.meter, t.fn]), [['m-a1', 'phase-loss']]);
    assert.deepEqual(fleet.json.trips[0].record.values.voltage, [230, 230, 0]);
    assert.deepEqual(fleet.json.disconnected, [{ meter: 'm-a1', relay: { state: 'open', armed: false, cause: 'trip', fn: 'phase-loss',
      since: '2026-01-15T01:00:00.000Z', reportedAt: '2026-01-15T01:00:00.500Z', loadLimitVersion: null } }]);
    const beta = rig.sessions.get('beta-admin')!;
    const theirs = await rig.call('GET', '/api/v1/protection/trips?limit=5', { session: beta });
    assert.deepEqual(theirs.json.trips.map((t: { meter: string }) => t.meter), ['m-b1']);
    assert.deepEqual(theirs.json.disconnected.map((d: { meter: string; relay: { cause: string } }) => [d.meter, d.relay.cause]),
      [['m-b1', 'remote']]);
    assert.equal((await rig.call('GET', '/api/v1/protection/trips')).status, 401);
  });
});
