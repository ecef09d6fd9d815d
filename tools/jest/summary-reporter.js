// Records each project's jest counts so that `npm test` can close with one total line.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const RESULTS_DIR = join(__dirname, '..', '..', 'node_modules', '.cache', 'gmcp-test-results');

// The closing lines of a CI log are often all that is kept: name each failure there, briefly.
function failuresOf(results) {
  const failures = [];
  for (const file of results.testResults) {
    const where = relative(join(__dirname, '..', '..'), file.testFilePath);
    if (file.testExecError) failures.push({ test: where, message: firstLines(file.testExecError.message) });
    for (const test of file.testResults) {
      if (test.status === 'failed') failures.push({ test: `${where} › ${test.fullName}`, message: firstLines(test.failureMessages.join('\n')) });
      else if (test.retryReasons?.length) failures.push({ test: `${where} › ${test.fullName}`, retried: true, message: firstLines(test.retryReasons.join('\n')) });
    }
  }
  return failures;
}

function firstLines(text) {
  return String(text ?? '')
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, 8)
    .join('\n');
}

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
      failures: failuresOf(results),
    };
    writeFileSync(join(RESULTS_DIR, `${project}.json`), JSON.stringify(counts));
  }
}

module.exports = SummaryReporter;
module.exports.RESULTS_DIR = RESULTS_DIR;
