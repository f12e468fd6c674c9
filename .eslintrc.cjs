/* eslint-env node */
module.exports = {
  root: true,
  parser: '@typescript-eslint/parser',
  parserOptions: { ecmaVersion: 2023, sourceType: 'module' },
  plugins: ['@typescript-eslint'],
  extends: ['eslint:recommended', 'plugin:@typescript-eslint/recommended'],
  env: { node: true, es2023: true },
  ignorePatterns: [
    'dist/',
    'node_modules/',
    'coverage/',
    'src/reports/html/page-script.generated.ts',
  ],
  rules: {
    '@typescript-eslint/consistent-type-imports': 'error',
    '@typescript-eslint/no-unused-vars': [
      'error',
      { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
    ],
    'no-console': 'error',
    eqeqeq: ['error', 'always'],
  },
  overrides: [
    {
      // Type-aware rules for the TypeScript sources: a promise nobody awaits or handles is a
      // failure nobody sees. A promise dropped on purpose is marked with `void` and a comment.
      files: ['*.ts'],
      parserOptions: {
        project: ['./tsconfig.json', './tsconfig.page.json'],
        tsconfigRootDir: __dirname,
      },
      rules: {
        '@typescript-eslint/no-floating-promises': 'error',
        '@typescript-eslint/no-misused-promises': 'error',
      },
    },
    {
      // Browser tests print where their screenshots are and how long a big page took to load.
      files: ['bench/**', 'examples/**', 'scripts/**', 'test/**/*.browser.test.ts'],
      rules: { 'no-console': 'off' },
    },
  ],
};
