import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.slipway/', '**/.slipway/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  { files: ['ui/src/**'], languageOptions: { globals: globals.browser } },
  {
    // Adapters never import each other, nor the registry that lists them: what two share is in the kit.
    files: ['src/runtimes/*/**'],
    ignores: ['src/runtimes/kit/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: String.raw`^\.\./(?!\.\./|kit/|types\.js$|adapter-contract\.js$)`,
              message: 'an adapter imports only the kit (../kit/), the interface (../types.js) and the contract suite; share code through the kit',
            },
          ],
        },
      ],
    },
  },
  {
    // The kit serves every adapter and imports none.
    files: ['src/runtimes/kit/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: String.raw`^(\.\./)+(process|container|ssh|static|null|index\.js|registry\.js)(/|$)`,
              message: 'the kit imports no adapter and not the registry',
            },
          ],
        },
      ],
    },
  },
);
