// The server's log: one JSON object a line with level and time, or one human line on a terminal;
// secrets redacted by field name at any depth and scrubbed from messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createServerLog, prettyLine, redacted, scrubSecrets } from './server-log.ts';

function capture(format: 'json' | 'pretty', level: 'debug' | 'info' = 'info'):
  { lines: string[]; log: ReturnType<typeof createServerLog> } {
  const lines: string[] = [];
  return { lines, log: createServerLog({ format, level, write: (line) => { lines.push(line); } }) };
}

describe('server log', () => {
  it('writes one JSON object a line, the head-end events with their fields, below the level nothing', () => {
    const { lines, log } = capture('json');
    log.headEnd({ level: 'warn', msg: 'refused a message', device: 'meter-7', reason: 'forged', code: 'PW_ERR_ENVELOPE_AUTH', count: 3 });
    log.logger.debug('not written at info');
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    assert.deepEqual({ level: entry['level'], msg: entry['msg'], device: entry['device'], reason: entry['reason'], count: entry['count'] },
      { level: 40, msg: 'refused a message', device: 'meter-7', reason: 'forged', count: 3 });
    assert.equal(typeof entry['time'], 'number');
  });

  it('redacts secret fields at any depth and scrubs secrets from messages and errors', () => {
    const { lines, log } = capture('json');
    const req = { headers: { authorization: 'Bearer tok-3', cookie: 'pw_session=c4' } };
    log.logger.info({ password: 'pw-one', user: { token: 'tok-two', name: 'ops' }, req }, 'signing in');
    log.logger.warn('client sent Authorization: Bearer abc.def-ghi and password=hunter2, token: "pwt_9_zz"');
    log.logger.error({ err: new Error('Cannot use pwt_1_secretsecret: revoked') }, 'failed');
    const text = lines.join('');
    for (const secret of ['pw-one', 'tok-two', 'tok-3', 'c4', 'abc.def-ghi', 'hunter2', 'pwt_9_zz', 'secretsecret']) {
      assert.ok(!text.includes(secret), `${secret} in ${text}`);
    }
    assert.match(text, /"name":"ops"/, 'other fields stay');
    assert.ok(text.includes(redacted));
  });

  it('scrubs a PEM private key, bearer and basic credentials and API tokens', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEA\n-----END PRIVATE KEY-----';
    assert.equal(scrubSecrets(`key ${pem} end`), `key [private key ${redacted}] end`);
    assert.equal(scrubSecrets('Basic dXNlcjpwYXNz'), `Basic ${redacted}`);
    assert.equal(scrubSecrets('token pwt_ab12_CDEF-gh'), `token pwt_${redacted}`);
    assert.equal(scrubSecrets('meter 7 at 230 V'), 'meter 7 at 230 V');
  });

  it('writes one human line an event on a terminal: time, level, message, fields', () => {
    const { lines, log } = capture('pretty');
    log.headEnd({ level: 'error', msg: 'Cannot write the batch', device: 'meter-1', count: 2 });
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /^\d\d:\d\d:\d\d\.\d{3} ERROR Cannot write the batch {2}device=meter-1 count=2\n$/);
    assert.equal(prettyLine('not json'), 'not json');
  });

  it('writes a message with line breaks and terminal escapes as one human line, the controls escaped', () => {
    const { lines, log } = capture('pretty');
    log.logger.warn({ path: '/a\n\u009b2J' }, 'sign-in refused for eve\n12:00:00.000 INFO  admin granted\r\u001b[2J');
    assert.equal(lines.length, 1);
    assert.equal((lines[0] ?? '').split('\n').length, 2, 'one line and its end');
    assert.match(lines[0] ?? '', /eve\\u000a12:00:00\.000 INFO {2}admin granted\\u000d\\u001b\[2J/);
    assert.ok(!Array.from((lines[0] ?? '').slice(0, -1)).some((c) => c < ' ' || (c >= '\u007f' && c <= '\u009f')), 'no control character');
  });

  it('scrubs the password of a connection string and a PKCS#11 PIN from messages', () => {
    assert.equal(scrubSecrets('Cannot connect to postgres://phasewire:s3cret@db:5432/pw'),
      `Cannot connect to postgres://phasewire:${redacted}@db:5432/pw`);
    assert.equal(scrubSecrets('C_Login failed with PIN 123456'), `C_Login failed with PIN ${redacted}`);
    assert.equal(scrubSecrets('pkcs11:object=k;pin-value=987654'), `pkcs11:object=k;pin-value=${redacted}`);
    assert.equal(scrubSecrets("user pin '12ab' refused"), `user pin ${redacted} refused`);
    assert.equal(scrubSecrets('pinned to postgres://db/pw'), 'pinned to postgres://db/pw', 'no secret, nothing changed');
  });
});
