import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreError, ValidationError } from '@phasewire/core';
import { ApiFieldError, answerFor, schemaRefusal } from './api-errors.ts';

describe('API error answers', () => {
  it('names the missing or bad field as a JSON pointer under its request part', () => {
    const missing = answerFor(schemaRefusal('body', [{ instancePath: '', keyword: 'required', params: { missingProperty: 'serial' } }]));
    assert.deepEqual([missing.status, missing.body.error.field], [400, '/body/serial']);
    assert.match(missing.body.error.message, /body\.serial is required/);
    const bad =
      answerFor(schemaRefusal('querystring', [{ instancePath: '/limit', keyword: 'minimum', message: 'must be >= 1', params: {} }]));
    assert.equal(bad.body.error.field, '/querystring/limit');
  });

  it('keeps the code of a refusal, and says nothing about an unexpected failure', () => {
    assert.equal(answerFor(new ValidationError('PW_ERR_API_NOT_FOUND', 'Cannot find meter')).status, 404);
    assert.equal(answerFor(new ValidationError('PW_ERR_EDIT_INVALID', 'bad edit')).status, 400);
    const field = answerFor(new ApiFieldError('/body/reason', 'the reason is empty', 'PW_ERR_EDIT_REASON_REQUIRED'));
    assert.equal(field.status, 400);
    assert.deepEqual(field.body.error, { code: 'PW_ERR_EDIT_REASON_REQUIRED', message: 'the reason is empty', field: '/body/reason' });
    const store = answerFor(new StoreError('PW_ERR_STORE_READ', 'SELECT failed at /var/lib/secret.db'));
    assert.equal(store.status, 500);
    assert.equal(store.body.error.message.includes('secret'), false);
    assert.equal(answerFor(new TypeError('x is undefined')).body.error.code, 'PW_ERR_API_INTERNAL');
  });
});
