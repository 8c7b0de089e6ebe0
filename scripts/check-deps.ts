#!/usr/bin/env node
// `npm run check:deps`: fails when an import breaks the dependency rule (scripts/dependency-rule.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { checkFile } from './dependency-rule.ts';

const listed = ['packages/', 'tools/', 'scripts/'];
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', ...listed], { encoding: 'utf8' })
  .split('\n')
  .filter((file) => /\.(ts|tsx)$/.test(file));

const violations = files.flatMap((file) => checkFile(file, readFileSync(file, 'utf8')));
for (const v of violations) console.error(`${v.file}:${v.line}: ${v.message}`);
if (violations.length > 0) {
  console.error(`dependency rule: ${violations.length} violation(s) in ${files.length} files`);
  process.exitCode = 1;
} else {
  console.log(`dependency rule: ${files.length} files, no violation`);
}
