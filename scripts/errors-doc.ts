// docs/errors.md, generated from the error table in packages/core/src/errors.ts.
import { errorCodes, type ErrorFamily } from '@phasewire/core';

const classOf: Readonly<Record<ErrorFamily, string>> = {
  validation: 'ValidationError',
  decode: 'DecodeError',
  config: 'ConfigError',
  security: 'SecurityError',
  transport: 'TransportError',
  store: 'StoreError',
  internal: 'PhasewireError',
};

export function errorsMarkdown(): string {
  const rows = Object.entries(errorCodes).map(([code, entry]) => `| \`${code}\` | ${classOf[entry.family]} | ${entry.summary} |`);
  return [
    '# Error codes',
    '',
    'Generated from `packages/core/src/errors.ts` by `npm run gen:docs`; a test fails when this page is out of date.',
    '',
    'Every error phasewire raises on purpose is a `PhasewireError` with one of these stable codes. Match on',
    'the code, never on the message. The message says what was being done, what was found and what was',
    'expected; a wrapped error is kept as `cause`. The command line prints `phasewire: <message> [<code>]`',
    'and exits with 2 for validation and configuration errors, 1 for the others.',
    '',
    '| code | class | raised when |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
