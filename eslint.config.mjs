// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', 'coverage/', 'reports/', '.bench/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // Code bundled into Lambda handlers validates with zod/mini, imported from lib/validation/zod-mini, which sets
    // the English messages mini lacks (classic zod would add ~90 KB to each bundle). lib/config keeps classic zod.
    files: ['lambda/**/*.ts', 'lib/adapt/prompt-template.ts', 'lib/align/feedback-record.ts', 'lib/evaluate/record.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^zod(/.*)?$',
              message: "Import zod as `import * as z from '<relative path>/lib/validation/zod-mini'`: it is zod/mini with the English messages configured.",
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value=/validation\\/zod-mini$/] > ImportSpecifier[imported.name='z']",
          message: "Use `import * as z from` this module: zod/mini's own `z` namespace defeats esbuild's tree-shaking (all of zod/mini and every locale in the bundle).",
        },
      ],
    },
  },
  {
    // Tests read synthesized templates: JSON of unknown shape.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
