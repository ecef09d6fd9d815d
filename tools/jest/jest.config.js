module.exports = { ...require('../../jest.preset.js'), testPathIgnorePatterns: ['/node_modules/', '/fixtures/'] };
