import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mosquittoAcl, mosquittoConfig } from './mosquitto-config.ts';

describe('Mosquitto configuration', () => {
  it('asks for TLS 1.3 only, the AES-256 suite, a client certificate as the identity, an ACL and persistence', () => {
    const text = mosquittoConfig({ port: 8883, host: '127.0.0.1',
      files: { cafile: '/c/ca.pem', certfile: '/c/s.pem', keyfile: '/c/s.key', crlfile: '/c/crl.pem', aclfile: '/c/acl',
      persistenceLocation: '/c/' } });
    for (const line of ['tls_version tlsv1.3', 'ciphers_tls1.3 TLS_AES_256_GCM_SHA384', 'require_certificate true',
      'use_identity_as_username true', 'persistence true', 'allow_anonymous false', 'crlfile /c/crl.pem', 'acl_file /c/acl',
      'listener 8883 127.0.0.1']) {
      assert.ok(text.split('\n').includes(line), line);
    }
  });

  it('bounds packets and connections when given, and leaves the defaults of Mosquitto otherwise', () => {
    const files = { cafile: '/c/ca.pem', certfile: '/c/s.pem', keyfile: '/c/s.key', crlfile: '/c/crl.pem', aclfile: '/c/acl',
      persistenceLocation: '/c/' };
    const lines = mosquittoConfig({ port: 8883, host: '127.0.0.1', files, maxPacketBytes: 131_072, maxConnections: 9000 }).split('\n');
    assert.ok(lines.includes('max_packet_size 131077'), 'the remaining length plus the fixed header');
    assert.ok(lines.indexOf('max_connections 9000') > lines.indexOf('listener 8883 127.0.0.1'), 'a listener option, after its listener');
    const plain = mosquittoConfig({ port: 8883, host: '127.0.0.1', files });
    assert.doesNotMatch(plain, /max_packet_size|max_connections/);
  });

  it('builds the ACL from the namespace rule: own topics, gateways for their meters, the ingest for all', () => {
    const acl = mosquittoAcl({ ingestUsers: ['headend-ingest'], gateways: [{ gateway: 'gw-1', meters: ['meter-b1'] }] }).split('\n');
    assert.ok(acl.includes('pattern write pw/v1/%u/up/readings'));
    assert.ok(acl.includes('pattern read pw/v1/%u/ack'));
    assert.ok(!acl.includes('pattern write pw/v1/%u/ack'));
    assert.ok(acl.includes('topic write pw/v1/meter-b1/up/readings'));
    assert.ok(acl.includes('topic read pw/v1/+/up/readings'));
    assert.ok(acl.includes('topic write pw/v1/+/cmd/req'));
    assert.ok(acl.indexOf('user gw-1') < acl.indexOf('topic write pw/v1/meter-b1/up/readings'));
  });
});
