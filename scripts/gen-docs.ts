#!/usr/bin/env node
// `npm run gen:docs`: writes the generated pages of docs/.
import { writeFileSync } from 'node:fs';
import { errorsMarkdown } from './errors-doc.ts';

writeFileSync(new URL('../docs/errors.md', import.meta.url), errorsMarkdown());
console.log('wrote docs/errors.md');
