// ESLint (flat config): ESLint's and typescript-eslint's recommended rules, minus the
// few below that fight deliberate idioms of this code base (each says why).
// `npm run lint` runs it after dependency-cruiser (.dependency-cruiser.cjs).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'docs/api/**', 'coverage/**', 'work_dirs/**', 'data/**', '.tmp/**', 'packages/*/build/**', '.venv-torch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // parameters an interface requires (a build context, a hook's runner) are often unused
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // the pixel kernels set two values in one-line branches: `if (y < 0) (y = 0), (w = 0);`
      '@typescript-eslint/no-unused-expressions': 'off',
      // errors are rethrown with a message that names the file or config key and embeds the cause's message
      'preserve-caught-error': 'off',
    },
  },
  {
    // tests: aligned tool output is matched literally, fixtures are loose JSON
    files: ['test/**', '**/test/**'],
    rules: {
      'no-regex-spaces': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // plain CommonJS: the worker entries (they start before any TypeScript hook exists) and tool configs
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly', setTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Atomics: 'readonly', Int32Array: 'readonly', Buffer: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
