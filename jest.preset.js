// Shared jest settings: TypeScript (and ESM-only dependencies such as jose and openid-client) are
// transformed to CommonJS by sucrase, so tests run without a build step.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '\\.(ts|js|mjs)$': '@sucrase/jest-plugin' },
  transformIgnorePatterns: ['/node_modules/(?!(jose|oidc-provider|openid-client|oauth4webapi)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testMatch: ['<rootDir>/tests/**/*.test.ts'],
  testTimeout: 20000,
  setupFiles: [require.resolve('./tools/jest/setup-env.js')],
  reporters: ['default', require.resolve('./tools/jest/summary-reporter.js')],
};
