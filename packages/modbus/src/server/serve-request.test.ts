import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FunctionCode } from '../function-code.ts';
import { exceptionFor, serveRequest, type ModbusRequestHandler } from './serve-request.ts';
import { ModbusMemory } from './modbus-memory.ts';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const serve = async (pdu: string, handler: ModbusRequestHandler = new ModbusMemory({ holdingRegisters: 10 }).handler) =>
  Buffer.from((await serveRequest(1, hex(pdu), handler)) ?? []).toString('hex');

describe('serveRequest answers the exceptions the spec prescribes', () => {
  it('answers 0x01 to a function it does not implement', async () => {
    assert.equal(await serve('07'), '8701');
    assert.equal(await serve('2B 0D 00'), 'ab01');
  });

  it('answers 0x03 to a quantity outside the limits, before looking at the address', async () => {
    assert.equal(await serve('03 FFFF 0000'), '8303');
    assert.equal(await serve('03 0000 007E'), '8303');
    assert.equal(await serve('0F 0000 0008 02 FF 00'), '8f03', 'byte count disagrees with the quantity');
    assert.equal(await serve('05 0000 1234'), '8503');
  });

  it('answers 0x02 to a range past 65535, and to addresses the device does not have', async () => {
    assert.equal(await serve('03 FFFF 0002'), '8302');
    assert.equal(await serve('03 0008 0003'), '8302', 'the memory has 10 holding registers');
  });

  it('answers 0x04 when the handler fails or answers something else, and reports it', async () => {
    const errors: unknown[] = [];
    const failing: ModbusRequestHandler = () => { throw new Error('sensor bus down'); };
    assert.equal(Buffer.from((await serveRequest(1, hex('03 0000 0001'), failing, { onError: (e) => errors.push(e) }))!).toString('hex'),
      '8304');
    const wrongCount: ModbusRequestHandler = () => ({ functionCode: FunctionCode.ReadHoldingRegisters, values: Uint16Array.of(1, 2) });
    assert.equal(Buffer.from((await serveRequest(1, hex('03 0000 0001'), wrongCount, { onError: (e) => errors.push(e) }))!).toString('hex'),
      '8304');
    const wrongException: ModbusRequestHandler = () => ({ functionCode: 4, exceptionCode: 2 });
    assert.equal(await serve('03 0000 0001', wrongException), '8304');
    assert.equal(errors.length, 2);
    assert.match(String(errors[1]), /answered 2 values to a read of 1/);
  });

  it('passes an exception the handler chooses through, and answers nothing to non-functions', async () => {
    assert.equal(await serve('03 0000 0001', (request) => exceptionFor(request, 0x06)), '8306');
    assert.equal(await serve('00 0000'), '');
    assert.equal(await serve('83 02'), '');
    assert.equal(await serve(''), '');
  });
});

describe('ModbusMemory', () => {
  it('reads and writes the four tables through the handler', async () => {
    const memory = new ModbusMemory({ coils: 20, discreteInputs: 8, holdingRegisters: 4, inputRegisters: 2 });
    memory.discreteInputs.set([1, 0, 1]);
    memory.inputRegisters.set([7, 8]);
    assert.equal(await serve('06 0001 BEEF', memory.handler), '060001beef');
    assert.equal(await serve('10 0002 0002 04 0001 0002', memory.handler), '1000020002');
    assert.equal(await serve('03 0000 0004', memory.handler), '03080000beef00010002');
    assert.equal(await serve('04 0000 0002', memory.handler), '040400070008');
    assert.equal(await serve('05 0003 FF00', memory.handler), '050003ff00');
    assert.equal(await serve('0F 0010 0004 01 0F', memory.handler), '0f00100004');
    assert.equal(await serve('01 0000 0014', memory.handler), '010308000f');
    assert.equal(await serve('02 0000 0003', memory.handler), '020105');
    assert.equal(await serve('0F 0013 0002 01 03', memory.handler), '8f02');
  });

  it('answers device identification from its objects, and 0x02 for an object it lacks', async () => {
    const memory = new ModbusMemory();
    assert.match(await serve('2B 0E 01 00', memory.handler), /^2b0e0182000003/);
    assert.equal(await serve('2B 0E 04 55', memory.handler), 'ab02');
  });
});
