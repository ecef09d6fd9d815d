const preset = require('../jest.preset.js');

module.exports = { ...preset, setupFilesAfterEnv: ['<rootDir>/tests/support/retry-once.ts'] };
