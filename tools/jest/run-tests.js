// `npm test`: every project's typecheck, lint and jest through Nx, then one closing line
// "N passed, N failed, N skipped" — printed whether or not Nx succeeded.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const summary = join(__dirname, 'test-summary.js');
spawnSync(process.execPath, [summary, '--reset'], { stdio: 'inherit' });
// A jest still alive a minute after its run is ended and counted as a failure (summary-reporter.js).
const nx = spawnSync('npx', ['nx', 'run-many', '-t', 'typecheck', 'lint', 'test', '--output-style=stream', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, GMCP_JEST_EXIT_GRACE_MS: process.env.GMCP_JEST_EXIT_GRACE_MS ?? '60000' },
});
const totals = spawnSync(process.execPath, [summary], { stdio: 'inherit' });
process.exit(nx.status !== 0 ? nx.status ?? 1 : totals.status ?? 1);
