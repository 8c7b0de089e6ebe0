#!/usr/bin/env node
// `npm run gen:docs`: writes the generated pages of docs/, and the generated sections of others.
import { readFileSync, writeFileSync } from 'node:fs';
import { errorsMarkdown } from './errors-doc.ts';
import { quantitiesMarkdown } from './quantities-doc.ts';
import { generatedSections, withSection } from './schema-doc.ts';

for (const [page, text] of [['errors.md', errorsMarkdown()], ['quantities.md', quantitiesMarkdown()]] as const) {
  writeFileSync(new URL(`../docs/${page}`, import.meta.url), text);
  console.log(`wrote docs/${page}`);
}
for (const section of generatedSections) {
  const url = new URL(`../docs/${section.page}`, import.meta.url);
  writeFileSync(url, withSection(readFileSync(url, 'utf8'), section));
  console.log(`wrote the section of docs/${section.page} generated from ${section.source}`);
}
