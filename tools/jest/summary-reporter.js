// Records each project's jest counts so that `npm test` can close with one total line, and ends
// a jest process that a test keeps alive after its run (CI would otherwise wait out its time limit).
const { mkdirSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');
const { stripVTControlCharacters } = require('node:util');

const RESULTS_DIR = process.env.GMCP_TEST_RESULTS_DIR ?? join(__dirname, '..', '..', 'node_modules', '.cache', 'gmcp-test-results');
/**
 * How long jest may take to exit once its run is over (its own teardown included), when
 * `npm test` asks for the watch (run-tests.js sets it); a jest run by hand is left alone.
 */
const EXIT_GRACE_MS = process.env.GMCP_JEST_EXIT_GRACE_MS === undefined ? undefined : Number(process.env.GMCP_JEST_EXIT_GRACE_MS);

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
  return stripVTControlCharacters(String(text ?? ''))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, 8)
    .join('\n');
}

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    this.watching = Boolean(globalConfig.watch || globalConfig.watchAll);
  }

  onRunComplete(_contexts, results) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const directory = relative(join(__dirname, '..', '..'), this.rootDir) || '.';
    const project = directory.replace(/[\\/]/g, '_').replace(/^\.$/, 'root');
    const counts = {
      project,
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
      failures: failuresOf(results),
    };
    const file = join(RESULTS_DIR, `${project}.json`);
    writeFileSync(file, JSON.stringify(counts));
    if (EXIT_GRACE_MS !== undefined && !this.watching) failIfStillAlive(file, counts, directory);
  }
}

/** Unreferenced: a jest process with nothing left open exits before it fires. */
function failIfStillAlive(file, counts, directory) {
  setTimeout(() => {
    const message =
      `jest did not exit ${EXIT_GRACE_MS / 1000} s after its run: a test left something open (a server, a timer, a child process). ` +
      `Find it with: npx jest -c ${directory}/jest.config.js --detectOpenHandles`;
    counts.failed += 1;
    counts.failures.push({ test: `${counts.project} (jest process)`, message });
    writeFileSync(file, JSON.stringify(counts));
    console.error(message);
    process.exit(1);
  }, EXIT_GRACE_MS).unref();
}

module.exports = SummaryReporter;
module.exports.RESULTS_DIR = RESULTS_DIR;
