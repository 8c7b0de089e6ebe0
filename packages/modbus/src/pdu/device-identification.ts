// Read Device Identification (MBAP-APP §6.21): function 0x2B, MEI type 0x0E. Objects are
// streamed by category (basic, regular, extended) from a starting object id; when they do not
// fit in one PDU the server sets "more follows" and names the next object id, and the client
// asks again from there. Individual access (code 0x04) reads exactly one object.
import { ConformityLevel, FunctionCode, MeiType, MORE_FOLLOWS, ReadDeviceIdCode } from '../function-code.ts';
import { MAX_PDU_LENGTH } from '../limits.ts';
import { decodeError, limitError } from './fields.ts';
import type { DeviceObject, ReadDeviceIdentificationRequest, ReadDeviceIdentificationResponse } from './types.ts';

const FC = FunctionCode.EncapsulatedInterfaceTransport;
/** Function, MEI type, code, conformity level, more follows, next object id, number of objects. */
const HEADER_LENGTH = 7;
const conformityLevels: ReadonlySet<number> = new Set(Object.values(ConformityLevel));

/** The highest object id each stream code covers; categories are cumulative (§6.21, object table). */
const lastObjectOfCategory: Readonly<Record<number, number>> = {
  [ReadDeviceIdCode.Basic]: 0x02,
  [ReadDeviceIdCode.Regular]: 0x7f,
  [ReadDeviceIdCode.Extended]: 0xff,
};

export function encodeDeviceIdentificationResponse(response: ReadDeviceIdentificationResponse): Uint8Array {
  let length = HEADER_LENGTH;
  for (const object of response.objects) length += 2 + object.value.length;
  if (length > MAX_PDU_LENGTH) throw limitError(FC, 'response',
    `the objects need ${length} bytes, more than the ${MAX_PDU_LENGTH} of a PDU (§6.21: set more follows)`);
  if (response.objects.length > 0xff) throw limitError(FC, 'response', `${response.objects.length} objects is more than 255`);
  if (!conformityLevels.has(response.conformityLevel)) {
    throw limitError(FC, 'response', `conformity level 0x${response.conformityLevel.toString(16)} is not one of §6.21`);
  }
  if (!Number.isInteger(response.nextObjectId) || response.nextObjectId < 0 || response.nextObjectId > 0xff) {
    throw limitError(FC, 'response', `next object id ${response.nextObjectId} is outside 0 to 255`);
  }
  const pdu = new Uint8Array(length);
  pdu.set([FC, MeiType.ReadDeviceIdentification, response.readDeviceIdCode, response.conformityLevel,
    response.moreFollows ? MORE_FOLLOWS : 0, response.nextObjectId, response.objects.length]);
  let at = HEADER_LENGTH;
  for (const object of response.objects) {
    if (!Number.isInteger(object.id) || object.id < 0 || object.id > 0xff) throw limitError(FC, 'response', `object id ${object
      .id} is outside 0 to 255`);
    pdu[at] = object.id;
    pdu[at + 1] = object.value.length;
    pdu.set(object.value, at + 2);
    at += 2 + object.value.length;
  }
  return pdu;
}

export function decodeDeviceIdentificationResponse(pdu: Uint8Array, request: ReadDeviceIdentificationRequest, what = 'response'):
  ReadDeviceIdentificationResponse {
  if (pdu.length < HEADER_LENGTH) throw decodeError('PW_ERR_MODBUS_MALFORMED', FC, what, `the PDU is ${pdu
    .length} bytes, at least ${HEADER_LENGTH} expected`);
  const mei = pdu[1] ?? 0;
  const code = pdu[2] ?? 0;
  if (mei !== MeiType.ReadDeviceIdentification || code !== request.readDeviceIdCode) {
    throw decodeError('PW_ERR_MODBUS_UNEXPECTED_RESPONSE', FC, what,
      `MEI type 0x${mei.toString(16)} and read device id code ${code} do not answer MEI type 0x0e code ${request.readDeviceIdCode}`);
  }
  const conformityLevel = pdu[3] ?? 0;
  if (!conformityLevels.has(conformityLevel)) {
    throw decodeError('PW_ERR_MODBUS_ILLEGAL_VALUE', FC, what, `conformity level 0x${conformityLevel.toString(16)} is not one of §6.21`);
  }
  const more = pdu[4] ?? 0;
  if (more !== 0 && more !== MORE_FOLLOWS) {
    throw decodeError('PW_ERR_MODBUS_ILLEGAL_VALUE', FC, what, `more follows 0x${more.toString(16)} is neither 0x00 nor 0xFF (§6.21)`);
  }
  const count = pdu[6] ?? 0;
  const objects: DeviceObject[] = [];
  let at = HEADER_LENGTH;
  for (let index = 0; index < count; index++) {
    const length = pdu[at + 1];
    if (length === undefined || at + 2 + length > pdu.length) {
      throw decodeError('PW_ERR_MODBUS_MALFORMED', FC, what, `object ${index + 1} of ${count} runs past the end of the ${pdu
        .length}-byte PDU`);
    }
    // A copy: framers reuse their buffers, and values outlive the frame.
    objects.push({ id: pdu[at] ?? 0, value: pdu.slice(at + 2, at + 2 + length) });
    at += 2 + length;
  }
  if (at !== pdu.length) {
    throw decodeError('PW_ERR_MODBUS_MALFORMED', FC, what, `${pdu.length - at} bytes follow the ${count} objects announced`);
  }
  if (request.readDeviceIdCode === ReadDeviceIdCode.Specific && (objects.length !== 1 || objects[0]?.id !== request.objectId)) {
    throw decodeError('PW_ERR_MODBUS_UNEXPECTED_RESPONSE', FC, what, `individual access to object ${request
      .objectId} answered with ${objects.length} objects`);
  }
  return { functionCode: FC, readDeviceIdCode: request.readDeviceIdCode, conformityLevel, moreFollows: more === MORE_FOLLOWS, nextObjectId:
    pdu[5] ?? 0, objects };
}

/**
 * The server's side of §6.21: the response to `request` from a device's objects. Streams from
 * the requested id (or from 0 when that id is unknown, as §6.21 says), up to the category's last
 * object, and stops with "more follows" when the next object would not fit. Returns undefined
 * for individual access to an object the device does not have (the server answers exception 0x02).
 */
export function answerDeviceIdentification(
  request: ReadDeviceIdentificationRequest,
  objects: ReadonlyMap<number, Uint8Array>,
  conformityLevel: number,
): ReadDeviceIdentificationResponse | undefined {
  const base = { functionCode: FC, readDeviceIdCode: request.readDeviceIdCode, conformityLevel } as const;
  if (request.readDeviceIdCode === ReadDeviceIdCode.Specific) {
    const value = objects.get(request.objectId);
    if (value === undefined) return undefined;
    return { ...base, moreFollows: false, nextObjectId: 0, objects: [{ id: request.objectId, value }] };
  }
  const last = lastObjectOfCategory[request.readDeviceIdCode] ?? 0;
  const ids = [...objects.keys()].filter((id) => id <= last).sort((a, b) => a - b);
  const first = objects.has(request.objectId) && request.objectId <= last ? request.objectId : 0;
  const selected: DeviceObject[] = [];
  let length = HEADER_LENGTH;
  for (const id of ids) {
    if (id < first) continue;
    const value = objects.get(id) ?? new Uint8Array(0);
    if (length + 2 + value.length > MAX_PDU_LENGTH) {
      if (selected.length === 0) throw limitError(FC, 'response', `object ${id} is ${value.length} bytes, more than one PDU can carry`);
      return { ...base, moreFollows: true, nextObjectId: id, objects: selected };
    }
    selected.push({ id, value });
    length += 2 + value.length;
  }
  return { ...base, moreFollows: false, nextObjectId: 0, objects: selected };
}

/** The text of an object as the spec defines the standard ones: ASCII (bytes above 0x7F kept as Latin-1). */
export function deviceObjectText(value: Uint8Array): string {
  let text = '';
  for (const byte of value) text += String.fromCharCode(byte);
  return text;
}
