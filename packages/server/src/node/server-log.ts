// The server's log (docs/operations.md, "Logs"): pino, one JSON object a line for machines, or one
// human line an event on a terminal. Secrets never reach it: fields that carry them are redacted by
// name wherever they sit (passwords, tokens, keys, cookies, authorization headers), and messages are
// scrubbed of what looks like one (bearer tokens, phasewire API tokens, enrollment tokens, PEM keys),
// since a message can quote what a client sent. Floods are sampled before they get here (the head-end's
// sampled log, headend/log-sampler.ts): the first of a kind in full, then one line with the count.
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { HeadEndLog } from '@phasewire/headend';

export type LogFormat = 'json' | 'pretty';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ServerLogOptions {
  readonly level?: LogLevel;
  /** `pretty` on a terminal, `json` for a file, journald or a log shipper. */
  readonly format: LogFormat;
  /** Where each line goes (standard error in `phasewire server`). */
  readonly write: (line: string) => void;
}

export interface ServerLog {
  readonly logger: Logger;
  /** The head-end's logging port on this logger (also the API's failure log and the MDM's). */
  readonly headEnd: HeadEndLog;
}

/** Field names whose values are secrets, at any depth of a logged object. */
const secretFields = ['password', 'newPassword', 'currentPassword', 'token', 'secret', 'key', 'privateKey', 'passphrase', 'pin',
  'authorization', 'cookie', 'set-cookie', 'x-csrf-token', 'csrfToken'];
export const redactPaths = [...secretFields, ...secretFields.map((f) => `*.${f}`), ...secretFields.map((f) => `*.*.${f}`)];
export const redacted = '[redacted]';

/** Text that looks like a credential, wherever it appears in a message. */
const secretPatterns: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, `[private key ${redacted}]`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${redacted}`],
  [/\bpwt_[A-Za-z0-9_-]+/g, `pwt_${redacted}`],
  [/\b(password|passphrase|token|secret|pin|pin-value)(["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi, `$1$2${redacted}`],
  // A PIN named in prose (a PKCS#11 module's "PIN 1234", "pin '12ab'"): digits, or anything quoted.
  [/\b(pin)(\s+)(\d+|"[^"]*"|'[^']*')/gi, `$1$2${redacted}`],
  // The password in a URL's user information (a database connection string in a driver's error).
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, `$1${redacted}@`],
];

export function scrubSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of secretPatterns) out = out.replace(pattern, replacement);
  return out;
}

const levelNames: Readonly<Record<number, string>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** C0 and C1 controls (line breaks, CSI), DEL and the Unicode line separators, as \uXXXX. */
function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One human line: time, level, message, then the other fields as key=value. */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { time, level, msg, pid: _pid, hostname: _hostname, ...rest } = entry;
  const at = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
  const name = (levelNames[Number(level)] ?? String(level)).toUpperCase().padEnd(5);
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${escapeControls(typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v))}`);
  // A message quotes what a client sent (a user name, a path): its line breaks and terminal escapes
  // would forge a line of their own on a terminal, so control characters are written escaped.
  const text = escapeControls(typeof msg === 'string' ? msg : JSON.stringify(msg ?? ''));
  return `${at} ${name} ${text}${fields.length === 0 ? '' : `  ${fields.join(' ')}`}\n`;
}

export function createServerLog(options: ServerLogOptions): ServerLog {
  const stream = { write: options.format === 'pretty' ? (line: string) => { options.write(prettyLine(line)); } : options.write };
  const logger = pino({
    level: options.level ?? 'info',
    base: { pid: process.pid },
    redact: { paths: redactPaths, censor: redacted },
    hooks: {
      // Every message, whoever logs it (the head-end, the API, Fastify's own error lines), is scrubbed.
      logMethod(args, method) {
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg)) as Parameters<typeof method>;
        method.apply(this, scrubbed);
      },
    },
    formatters: {
      log(object) {
        const err = object['err'];
        if (err instanceof Error) return { ...object, err: { type: err.name, message: scrubSecrets(err.message) } };
        return object;
      },
    },
  }, stream);
  const headEnd: HeadEndLog = (event) => {
    const { level, msg, ...fields } = event;
    logger[level](fields, msg);
  };
  return { logger, headEnd };
}
