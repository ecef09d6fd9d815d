import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import gmcp from './tools/lint/src/index.cjs';

/**
 * Which projects a project's src/ may use, by the Nx tags in each package.json: apps build on
 * the kit (for app authors, tests, Lambda and the console's audit pages, never the platform's entry) and on shared
 * libraries; libraries and the kit stand alone. Tools, infra, e2e and bench are free, through
 * entry points only.
 */
export const DEPENDENCY_CONSTRAINTS = [
  { sourceTag: 'type:app', onlyDependOnTags: ['type:kit', 'type:lib'], entries: { '@gmcp/mcp-kit': ['.', './testing', './lambda', './audit'] } },
  { sourceTag: 'type:lib', onlyDependOnTags: ['type:lib'] },
  { sourceTag: 'type:kit', onlyDependOnTags: [] },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/.local/**', '**/corpus/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: globals.node },
  },
  {
    // The workspace's own rules (tools/lint): no import cycles, projects meet at their entry points.
    files: ['**/*.ts'],
    ignores: ['tools/lint/tests/fixtures/**'],
    plugins: { gmcp },
    rules: {
      'gmcp/no-import-cycles': 'error',
      'gmcp/project-boundaries': ['error', { depConstraints: DEPENDENCY_CONSTRAINTS }],
    },
  },
  {
    // SST's globals (sst, aws, $util…) reach the component functions only through SST's own reference.
    files: ['infra/sst/**/*.ts'],
    rules: { '@typescript-eslint/triple-slash-reference': 'off' },
  },
  {
    files: ['apps/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['@modelcontextprotocol/*'], message: 'Apps use the MCP SDK only through @gmcp/mcp-kit.' }],
      }],
    },
  },
);
