import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError, ValidationError } from '@phasewire/core';
import { ConformityLevel, DeviceObjectId, FunctionCode, ReadDeviceIdCode } from '../function-code.ts';
import { answerDeviceIdentification, deviceObjectText } from './device-identification.ts';
import { decodeResponse, encodeResponse } from './response.ts';
import type { ReadDeviceIdentificationRequest } from './types.ts';

const FC = FunctionCode.EncapsulatedInterfaceTransport;
const ascii = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'latin1'));
const request = (code: ReadDeviceIdCode, objectId = 0): ReadDeviceIdentificationRequest => ({ functionCode: FC, readDeviceIdCode: code,
  objectId });

const objects = new Map<number, Uint8Array>([
  [DeviceObjectId.VendorName, ascii('phasewire')],
  [DeviceObjectId.ProductCode, ascii('PW-3P')],
  [DeviceObjectId.MajorMinorRevision, ascii('1.2')],
  [DeviceObjectId.ModelName, ascii('three-phase meter')],
  [0x80, new Uint8Array(120).fill(0x41)],
  [0x81, new Uint8Array(120).fill(0x42)],
]);

describe('Read Device Identification (§6.21)', () => {
  it('streams a category: basic stops at object 2, regular at 0x7F', () => {
    const basic = answerDeviceIdentification(request(ReadDeviceIdCode.Basic), objects, ConformityLevel.ExtendedWithIndividual)!;
    assert.deepEqual(basic.objects.map((o) => o.id), [0, 1, 2]);
    const regular = answerDeviceIdentification(request(ReadDeviceIdCode.Regular), objects, ConformityLevel.ExtendedWithIndividual)!;
    assert.deepEqual(regular.objects.map((o) => o.id), [0, 1, 2, 5]);
    assert.equal(regular.moreFollows, false);
  });

  it('sets "more follows" when the objects do not fit in one PDU, and the next request resumes there', () => {
    const first = answerDeviceIdentification(request(ReadDeviceIdCode.Extended), objects, ConformityLevel.ExtendedWithIndividual)!;
    assert.equal(first.moreFollows, true);
    assert.equal(first.nextObjectId, 0x81);
    assert.ok(encodeResponse(first).length <= 253);
    const second = answerDeviceIdentification(request(ReadDeviceIdCode.Extended, first.nextObjectId), objects, ConformityLevel
      .ExtendedWithIndividual)!;
    assert.deepEqual(second.objects.map((o) => o.id), [0x81]);
    assert.equal(second.moreFollows, false);
    // Round trip through the wire, with "more follows" as 0xFF.
    const pdu = encodeResponse(first);
    assert.equal(pdu[4], 0xff);
    assert.deepEqual(decodeResponse(pdu, request(ReadDeviceIdCode.Extended)), first);
  });

  it('restarts at object 0 when the requested object does not exist, as §6.21 says', () => {
    const answer = answerDeviceIdentification(request(ReadDeviceIdCode.Basic, 0x7e), objects, ConformityLevel.Basic);
    assert.deepEqual(answer?.objects.map((o) => o.id), [0, 1, 2]);
  });

  it('reads one object by individual access, and has no answer for a missing one (exception 0x02)', () => {
    const one = answerDeviceIdentification(request(ReadDeviceIdCode.Specific, DeviceObjectId.ModelName), objects, ConformityLevel
      .RegularWithIndividual);
    assert.equal(deviceObjectText(one!.objects[0]!.value), 'three-phase meter');
    assert.equal(answerDeviceIdentification(request(ReadDeviceIdCode.Specific, 0x44), objects, ConformityLevel.RegularWithIndividual),
      undefined);
  });

  it('refuses an object too long for any PDU', () => {
    const huge = new Map([[0, new Uint8Array(245)]]);
    assert.throws(() => answerDeviceIdentification(request(ReadDeviceIdCode.Basic), huge, ConformityLevel.Basic), ValidationError);
  });

  it('refuses responses that do not add up', () => {
    const bad = [
      [FC, 0x0e, 1, 1, 0, 0, 2, 0, 1, 0x41], // two objects said, one given
      [FC, 0x0e, 1, 1, 0, 0, 1, 0, 9, 0x41], // an object longer than the PDU
      [FC, 0x0e, 2, 1, 0, 0, 0], // answers the regular category to a basic request
      [FC, 0x0e, 1, 1, 0x01, 0, 0], // more follows neither 0 nor 0xFF
      [FC, 0x0e, 1, 0x04, 0, 0, 0], // no such conformity level
      [FC, 0x0e, 1, 1, 0, 0, 0, 0xaa], // a byte after the objects
      [FC, 0x0d, 1, 1, 0, 0, 0], // another MEI type
      [FC, 0x0e, 1, 1, 0],
    ];
    for (const pdu of bad) {
      assert.throws(() => decodeResponse(Uint8Array.from(pdu), request(ReadDeviceIdCode.Basic)), DecodeError, Buffer.from(pdu).toString(
        'hex'));
    }
    assert.throws(() => decodeResponse(Uint8Array.of(FC, 0x0e, 4, 0x81, 0, 0, 1, 0x02, 1, 0x41), request(ReadDeviceIdCode.Specific, 0x01)),
      (error: unknown) => error instanceof DecodeError && error.code === 'PW_ERR_MODBUS_UNEXPECTED_RESPONSE');
  });
});
