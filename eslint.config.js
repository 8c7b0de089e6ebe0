// ESLint flat config: typescript-eslint's type-aware rules over every package.
// The conventions of ../shared/PRINCIPLES.md that a linter can check are switched on here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'packages/*/dist/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      'eqeqeq': ['error', 'always'],
      'prefer-const': 'error',
      // Enums and namespaces are not erasable syntax; Node's type stripping cannot run them.
      'no-restricted-syntax': ['error',
        { selector: 'TSEnumDeclaration', message: 'Use a const object and a union type: enums are not erasable syntax.' },
        { selector: 'TSModuleDeclaration[kind="namespace"]', message: 'Namespaces are not erasable syntax.' },
        { selector: 'TSParameterProperty', message: 'Parameter properties are not erasable syntax.' },
      ],
    },
  },
  {
    files: ['**/*.test.ts', '**/bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', name: ['describe', 'it', 'test', 'suite'], package: 'node:test' }] }],
    },
  },
  // Size limits (issue 16): no source file over 400 lines, no line over 140 characters, counting every line
  // and every character: no exception for comments, strings, template literals, regular expressions or URLs.
  // max-len is ESLint's own rule, deprecated since 8.53 (formatting rules leave the core) but kept until
  // ESLint 11; it spares a dev dependency (@stylistic/eslint-plugin) for one rule. Move to @stylistic's
  // max-len, which takes the same options, before upgrading to ESLint 11.
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: { 'max-lines': ['error', { max: 400, skipBlankLines: false, skipComments: false }] },
  },
  // TODO(issue 16): max-len holds only where the long lines are wrapped. Still to do, with their count from
  // `node scripts/line-report.ts`: packages/cli/src/commands/demo.ts, packages/agent, packages/headend.
  // Widen `files` (and the list in scripts/size-limits.test.ts) as each is done, then give the rule to every
  // .ts/.tsx file.
  {
    files: [
      'packages/core/**/*.{ts,tsx}', 'packages/secure/**/*.{ts,tsx}', 'packages/store/**/*.{ts,tsx}', 'packages/mdm/**/*.{ts,tsx}',
      'packages/api/**/*.{ts,tsx}', 'packages/dashboard/**/*.{ts,tsx}', 'packages/server/**/*.{ts,tsx}',
      'tools/**/*.{ts,tsx}', 'scripts/**/*.{ts,tsx}',
      'packages/cli/**/*.{ts,tsx}', 'packages/modbus/**/*.{ts,tsx}', 'packages/meter/**/*.{ts,tsx}', 'packages/gateway/**/*.{ts,tsx}',
    ],
    ignores: ['packages/cli/src/commands/demo.ts'],
    rules: {
      'max-len': ['error', {
        code: 140,
        tabWidth: 4,
        ignoreComments: false,
        ignoreTrailingComments: false,
        ignoreUrls: false,
        ignoreStrings: false,
        ignoreTemplateLiterals: false,
        ignoreRegExpLiterals: false,
      }],
    },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
