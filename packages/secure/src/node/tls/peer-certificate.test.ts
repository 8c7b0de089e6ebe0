import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNameList } from './peer-certificate.ts';

describe('Node\'s subjectAltName and subject text', () => {
  it('splits plain entries', () => {
    assert.deepEqual(parseNameList('DNS:localhost, IP Address:127.0.0.1, URI:urn:phasewire:meter:m-1', ', '), [
      { key: 'DNS', value: 'localhost' }, { key: 'IP Address', value: '127.0.0.1' }, { key: 'URI', value: 'urn:phasewire:meter:m-1' },
    ]);
    assert.deepEqual(parseNameList('CN=m-1\nOU=meter\nO=phasewire', '\n'), [
      { key: 'CN', value: 'm-1' }, { key: 'OU', value: 'meter' }, { key: 'O', value: 'phasewire' },
    ]);
  });

  it('decodes a quoted value instead of splitting it, so a crafted name cannot add an entry', () => {
    // Exactly what Node 24 prints for a URI SAN "urn:x, URI:urn:phasewire:meter:victim".
    const crafted = 'URI:"urn:x\\u002c URI:urn:phasewire:meter:victim"';
    assert.deepEqual(parseNameList(crafted, ', '), [{ key: 'URI', value: 'urn:x, URI:urn:phasewire:meter:victim' }]);
  });
});
