// Prints the total of every project's jest run as "N passed, N failed, N skipped".
// Run by `npm test` after nx; exits non-zero when no test ran at all.
const { readdirSync, readFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { RESULTS_DIR } = require('./summary-reporter');

const mode = process.argv[2];
if (mode === '--reset') {
  rmSync(RESULTS_DIR, { recursive: true, force: true });
  process.exit(0);
}

let files = [];
try {
  files = readdirSync(RESULTS_DIR).filter((name) => name.endsWith('.json'));
} catch {
  files = [];
}
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
for (const name of files) {
  const counts = JSON.parse(readFileSync(join(RESULTS_DIR, name), 'utf8'));
  console.log(`  ${counts.project}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  for (const key of Object.keys(totals)) totals[key] += counts[key];
  failures.push(...(counts.failures ?? []));
}
for (const failure of failures) {
  console.log(`${failure.retried ? 'PASSED ONLY ON RETRY' : 'FAILED'} ${failure.test}`);
  console.log(failure.message.replace(/^/gm, '    '));
}
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.passed === 0 || totals.failed > 0 ? 1 : 0);
