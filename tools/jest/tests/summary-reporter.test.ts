import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const JEST = require.resolve('jest/bin/jest');

interface Counts {
  project: string;
  passed: number;
  failed: number;
  failures: { test: string; message: string }[];
}

/** Starts jest on a fixture project, the reporter writing to its own folder; `graceMs` as `npm test` sets it, or unset. */
function startFixture(name: string, resultsDir: string, graceMs?: number) {
  const { GMCP_JEST_EXIT_GRACE_MS: _fromNpmTest, ...env } = process.env;
  const fixtures = join(__dirname, 'fixtures');
  return spawn(process.execPath, [JEST, '-c', join(fixtures, 'jest.config.js'), '--rootDir', join(fixtures, name)], {
    env: { ...env, GMCP_TEST_RESULTS_DIR: resultsDir, ...(graceMs === undefined ? {} : { GMCP_JEST_EXIT_GRACE_MS: String(graceMs) }) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** Runs jest on a fixture project to its end; resolves with how it ended and what the reporter recorded. */
async function runFixture(name: string, resultsDir: string, graceMs: number) {
  const started = performance.now();
  const child = startFixture(name, resultsDir, graceMs);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stderr, counts: await countsIn(resultsDir), seconds: (performance.now() - started) / 1000 };
}

async function countsIn(resultsDir: string): Promise<Counts> {
  const [file] = await readdir(resultsDir);
  return JSON.parse(await readFile(join(resultsDir, file!), 'utf8')) as Counts;
}

describe('the summary reporter', () => {
  let resultsDir: string;
  beforeEach(async () => {
    resultsDir = await mkdtemp(join(tmpdir(), 'test-results-'));
  });
  afterEach(() => rm(resultsDir, { recursive: true, force: true }));

  it('ends a jest that a test keeps alive after its run, and records it as a failure naming the project', async () => {
    const { code, stderr, counts } = await runFixture('hanging', resultsDir, 1_000);
    expect(code).toBe(1);
    expect(counts).toMatchObject({ passed: 1, failed: 1 });
    expect(counts.failures).toEqual([
      {
        test: expect.stringMatching(/tools_jest_tests_fixtures_hanging \(jest process\)$/),
        message: expect.stringContaining('jest did not exit 1 s after its run: a test left something open'),
      },
    ]);
    expect(counts.failures[0]!.message).toMatch(/tools\/jest\/tests\/fixtures\/hanging\S* --detectOpenHandles/);
    expect(stderr).toContain('jest did not exit 1 s after its run');
  }, 30_000);

  it('leaves a jest run by hand alone (no grace period set), however long it stays', async () => {
    const child = startFixture('hanging', resultsDir);
    try {
      // The run is over once its counts are written; the process stays, as jest would by hand.
      for (let waited = 0; (await readdir(resultsDir)).length === 0 && waited < 20_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await countsIn(resultsDir)).toMatchObject({ passed: 1, failed: 0 });
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);

  it('lets a jest with nothing left open exit at once, with its counts', async () => {
    const { code, counts, seconds } = await runFixture('tidy', resultsDir, 20_000);
    expect(code).toBe(0);
    expect(counts).toMatchObject({ passed: 1, failed: 0, failures: [] });
    // Well before the grace period: the reporter's timer does not keep the process alive.
    expect(seconds).toBeLessThan(15);
  }, 30_000);
});
