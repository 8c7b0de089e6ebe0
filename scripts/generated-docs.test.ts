import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { errorsMarkdown } from './errors-doc.ts';
import { quantitiesMarkdown } from './quantities-doc.ts';
import { generatedSections, withSection } from './schema-doc.ts';

const page = (name: string): string => readFileSync(new URL(`../docs/${name}`, import.meta.url), 'utf8');

it('docs/errors.md is the page generated from the error table (run `npm run gen:docs` after adding a code)', () => {
  assert.equal(page('errors.md'), errorsMarkdown());
});

it('docs/quantities.md is the page generated from the quantity catalogue', () => {
  assert.equal(page('quantities.md'), quantitiesMarkdown());
});

for (const section of generatedSections) {
  it(`docs/${section.page} holds the reference table generated from ${section.source}`, () => {
    const text = page(section.page);
    assert.equal(text, withSection(text, section));
  });
}
