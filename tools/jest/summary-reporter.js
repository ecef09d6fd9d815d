// Records each project's jest counts so that `npm test` can close with one total line.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const RESULTS_DIR = join(__dirname, '..', '..', 'node_modules', '.cache', 'gmcp-test-results');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const project = relative(join(__dirname, '..', '..'), this.rootDir).replace(/[\\/]/g, '_') || 'root';
    const counts = {
      project,
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    writeFileSync(join(RESULTS_DIR, `${project}.json`), JSON.stringify(counts));
  }
}

module.exports = SummaryReporter;
module.exports.RESULTS_DIR = RESULTS_DIR;
