import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import { maxFileLines, maxLineLength } from './line-report.ts';

// The size limits of issue 16 as eslint.config.js gives them, read back through ESLint itself.
const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });
const rule = async (file: string, name: string): Promise<unknown> => {
  const config = await eslint.calculateConfigForFile(file) as { rules?: Record<string, unknown> };
  return config.rules?.[name];
};

describe('size limits in eslint.config.js', () => {
  it('gives every .ts and .tsx file at most 400 lines, blank lines and comments counted', async () => {
    for (const file of ['packages/server/src/x.ts', 'packages/dashboard/src/x.tsx', 'packages/core/src/x.ts', 'scripts/x.ts']) {
      assert.deepEqual(await rule(file, 'max-lines'), [2, { max: maxFileLines, skipBlankLines: false, skipComments: false }], file);
    }
  });

  it('gives the wrapped folders lines of at most 140 characters, with no exception', async () => {
    for (const file of [
      'packages/core/src/x.ts', 'packages/secure/src/node/x.ts', 'packages/secure/bench/x.ts', 'tools/test-kit/src/x.ts', 'scripts/x.ts',
      'packages/store/src/node/sqlite/x.ts', 'packages/store/bench/x.ts', 'packages/mdm/src/x.ts', 'packages/api/src/node/x.test.ts',
      'packages/dashboard/src/views/x.ts', 'packages/dashboard/vite.config.ts',
      'packages/server/src/node/x.ts',
      'packages/cli/src/commands/demo.ts', 'packages/agent/src/node/x.ts', 'packages/headend/src/node/x.test.ts',
      'packages/cli/src/commands/x.ts', 'packages/cli/test/x.test.ts', 'packages/modbus/src/node/x.ts', 'packages/modbus/bench/x.ts',
      'packages/meter/src/waveform/x.ts', 'packages/gateway/src/x.ts', 'packages/gateway/test/x.test.ts',
    ]) {
      assert.deepEqual(await rule(file, 'max-len'), [2, {
        code: maxLineLength,
        tabWidth: 4,
        ignoreComments: false,
        ignoreTrailingComments: false,
        ignoreUrls: false,
        ignoreStrings: false,
        ignoreTemplateLiterals: false,
        ignoreRegExpLiterals: false,
      }], file);
    }
  });
});
