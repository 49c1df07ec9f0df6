// @ts-check
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'docs/', 'generated/', 'coverage/', 'reports/', '.stryker-tmp/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='only']", message: 'No focused tests.' },
        { selector: "CallExpression[callee.property.name='skip']", message: 'No skipped tests.' },
      ],
    },
  },
  {
    // Dependencies point one way: spec never imports machines, runtime, adapters or cli.
    files: ['spec/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['../machines/*', '../runtime/*', '../adapters/*', '../cli/*', '../checker/*', 'xstate'] }] },
  },
  {
    files: ['machines/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['../../runtime/*', '../../adapters/*', '../../cli/*', '../../checker/*', 'node:*'] }] },
  },
);
