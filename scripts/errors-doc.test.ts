import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { errorsMarkdown } from './errors-doc.ts';

it('docs/errors.md is the page generated from the error table (run `npm run gen:docs` after adding a code)', () => {
  assert.equal(readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8'), errorsMarkdown());
});
