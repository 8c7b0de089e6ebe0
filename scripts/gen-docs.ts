#!/usr/bin/env node
// `npm run gen:docs`: writes the generated pages of docs/.
import { writeFileSync } from 'node:fs';
import { errorsMarkdown } from './errors-doc.ts';
import { quantitiesMarkdown } from './quantities-doc.ts';

for (const [page, text] of [['errors.md', errorsMarkdown()], ['quantities.md', quantitiesMarkdown()]] as const) {
  writeFileSync(new URL(`../docs/${page}`, import.meta.url), text);
  console.log(`wrote docs/${page}`);
}
