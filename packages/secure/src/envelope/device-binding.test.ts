import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGatewayId, parseMeterId } from '@phasewire/core';
import { bindDevice, buildAssociatedData, buildNonce } from './device-binding.ts';
import { DeviceContext } from './device-context.ts';

test('builds the nonce as direction, 24-bit device tag, then the counter big-endian', () => {
  const binding = bindDevice(parseMeterId('meter-0001'));
  const nonce = buildNonce(binding, 'uplink', 0x0102030405060708n);
  assert.equal(nonce.length, 12);
  assert.equal(nonce[0], 0x01);
  assert.equal((nonce[1]! << 16) | (nonce[2]! << 8) | nonce[3]!, binding.deviceTag);
  assert.equal(Buffer.from(nonce.subarray(4)).toString('hex'), '0102030405060708');
  assert.equal(buildNonce(binding, 'downlink', 1n)[0], 0x02);
});

test('tags devices with FNV-1a-32 of the id, low 24 bits (draft-eastlake-fnv)', () => {
  // FNV-1a-32("a") = 0xe40c292c: the draft's test vector.
  assert.equal(bindDevice('a' as never).deviceTag, 0x0c292c);
  assert.notEqual(bindDevice(parseMeterId('meter-0001')).deviceTag, bindDevice(parseMeterId('meter-0002')).deviceTag);
});

test('binds header bytes and the device id into the associated data', () => {
  const header = Uint8Array.from({ length: 20 }, (_, i) => i);
  const aad = buildAssociatedData(bindDevice(parseGatewayId('gw-7')), header);
  assert.equal(Buffer.from(aad).toString('hex'), Buffer.from(header).toString('hex') + '04' + Buffer.from('gw-7').toString('hex'));
});

test('the per-device scratch buffers hold exactly what buildNonce and buildAssociatedData build', () => {
  const meter = parseMeterId('meter-0042');
  for (const direction of ['uplink', 'downlink'] as const) {
    const context = new DeviceContext(bindDevice(meter), direction);
    for (const counter of [1n, 0x0102030405060708n, 0xffff_ffff_ffff_ffffn]) {
      const header = Uint8Array.from(context.writeHeader('status', 7, counter, 300));
      assert.deepEqual(context.nonce(header), buildNonce(bindDevice(meter), direction, counter));
      assert.deepEqual(context.associatedData(header), buildAssociatedData(bindDevice(meter), header));
      assert.equal(context.scope(7), `meter-0042/${direction}/7`);
    }
  }
});
