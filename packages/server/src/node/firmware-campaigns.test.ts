// Campaigns through the real head-end (embedded broker, MQTT/TLS 1.3, sealed envelopes) and the real
// SQLite campaign store: a device reports its firmware in its status, receives the sealed
// firmware-update command, answers it, and its sealed firmware-progress events move its state in the
// store until the campaign is done. The device here is a test client speaking the protocol; a
// campaign to real meter agents is tested with the agent's updater.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ManualClock, deviceTopic } from '@phasewire/core';
import { decodeCommand, encodeCommandResponse, type Command } from '@phasewire/core/protocol';
import { headEndFixture, type HeadEndFixture, type TestDevice } from '@phasewire/headend/testing';
import type { CampaignAudit } from '@phasewire/mdm/campaigns';
import { SqliteCampaignStore } from '@phasewire/store/node';
import { startFirmwareCampaigns, type FirmwareCampaigns } from './firmware-campaigns.ts';

const until = async (predicate: () => boolean | Promise<boolean>, what: string): Promise<void> => {
  const deadline = Date.now() + 15_000;
  while (!await predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

const target = 'PW3/r2/PW3-r2-1.4.0.bin';

const status = (device: TestDevice, version: string): Promise<unknown> =>
  device.client.publishAsync(deviceTopic(device.id, 'status'), Buffer.from(JSON.stringify({
    state: 'online', model: 'PW3', firmware: { version, slot: version === '1.3.0' ? 'a' : 'b', securityVersion: 2 },
  })), { qos: 1 });

/** A device that takes firmware-update commands, answers ok and reports its progress, failing when told to. */
async function firmwareDevice(f: HeadEndFixture, name: string, fails?: string): Promise<{ device: TestDevice; commands: Command[] }> {
  const device = await f.device(name);
  const commands: Command[] = [];
  device.client.on('message', (topic, payload) => {
    if (!topic.endsWith('/cmd/req')) return;
    void (async () => {
      const command = decodeCommand((await device.downlink.openValue(device.id, new Uint8Array(payload))).value);
      commands.push(command);
      const body = encodeCommandResponse({ v: 1, id: command.id, ok: true });
      const answer = await device.sender.sealValue(device.id, 'command-response', body);
      await device.client.publishAsync(deviceTopic(device.id, 'cmd/res'), Buffer.from(answer), { qos: 1 });
      const states = fails === undefined ? ['downloading', 'downloaded', 'installing', 'trial', 'committed'] : ['downloading', 'failed'];
      for (const state of states) {
        const event = await device.sender.sealValue(device.id, 'event', {
          kind: 'firmware-progress', ...command.firmware, state, ...(state === 'failed' ? { reason: fails } : {}),
        });
        await device.client.publishAsync(deviceTopic(device.id, 'up/events'), Buffer.from(event), { qos: 1 });
      }
      // Running the new image: the status says so, and the next campaign leaves the device out.
      if (fails === undefined) await status(device, command.firmware?.version ?? '');
    })().catch(() => undefined);
  });
  await status(device, '1.3.0');
  await until(() => f.headEnd.reportedFirmware().get(device.id)?.version === '1.3.0', `the status of ${name}`);
  return { device, commands };
}

void describe('firmware campaigns over the head-end', () => {
  let f: HeadEndFixture;
  let campaigns: FirmwareCampaigns;
  const audit: CampaignAudit[] = [];
  before(async () => {
    f = await headEndFixture('embedded');
    const store = await SqliteCampaignStore.open({ path: join(f.dir, 'campaigns.db') });
    campaigns = startFirmwareCampaigns({ headEnd: f.headEnd, store, clock: new ManualClock(Date.now()), audit: (e) => { audit.push(e); },
      tickMs: 0, offerWaitMs: 5000 });
  });
  after(async () => {
    await campaigns.close();
    await f.close();
  });

  void it('offers by sealed command and records each device\'s sealed progress until the campaign is done', async () => {
    const a = await firmwareDevice(f, 'meter-camp-a');
    const b = await firmwareDevice(f, 'meter-camp-b');
    const { service } = campaigns;
    await service.create({ id: 'c1', name: 'Metrology fix', target, version: '1.4.0', selector: {}, waves: [0.5, 1], failureThreshold: 0.5,
      window: null }, 'user:ann');
    await service.tick();
    await until(async () => (await service.view('c1')).campaign.status === 'done', 'the campaign to finish');
    await until(() => [a, b].every((m) => f.headEnd.reportedFirmware().get(m.device.id)?.version === '1.4.0'), 'the new versions');
    const view = await service.view('c1');
    assert.deepEqual(view.tally.byState.committed, 2);
    assert.deepEqual([...a.commands, ...b.commands].map((c) => c.firmware), [
      { campaign: 'c1', target, version: '1.4.0' }, { campaign: 'c1', target, version: '1.4.0' }]);
    assert.ok(audit.some((e) => e.action === 'firmware.campaign.committed' && e.actor === 'device:meter-camp-a'));
  });

  void it('pauses a campaign by itself when its canary fails, with the device\'s reason', async () => {
    await firmwareDevice(f, 'meter-camp-c', 'PW_ERR_FIRMWARE_REFUSED: image for another hardware revision');
    const { service } = campaigns;
    await service.create({ id: 'c2', name: 'Canary fails', target, version: '1.4.0', selector: {}, waves: [0.1, 1], failureThreshold: 0,
      window: null }, 'user:ann');
    await service.tick();
    await until(async () => (await service.view('c2')).campaign.status === 'paused', 'the automatic pause');
    const failures = await service.devices('c2', { states: ['failed'] });
    assert.equal((await service.view('c2')).tally.devices, 1, 'the meters already on 1.4.0 are left out');
    assert.equal(failures.length, 1);
    assert.match(failures[0]?.reason ?? '', /another hardware revision/);
  });
});
