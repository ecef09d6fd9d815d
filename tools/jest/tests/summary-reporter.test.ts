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

/** Runs jest on a fixture project with the reporter writing to its own folder; resolves with how it ended. */
async function runFixture(name: string, resultsDir: string, graceMs: number) {
  const started = performance.now();
  const child = spawn(process.execPath, [JEST, '-c', join(__dirname, 'fixtures', name, 'jest.config.js')], {
    env: { ...process.env, GMCP_TEST_RESULTS_DIR: resultsDir, GMCP_JEST_EXIT_GRACE_MS: String(graceMs) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const [file] = await readdir(resultsDir);
  const counts = JSON.parse(await readFile(join(resultsDir, file!), 'utf8')) as Counts;
  return { code, stderr, counts, seconds: (performance.now() - started) / 1000 };
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
    expect(counts.failures[0]!.message).toContain('npx jest -c tools/jest/tests/fixtures/hanging/jest.config.js --detectOpenHandles');
    expect(stderr).toContain('jest did not exit 1 s after its run');
  }, 30_000);

  it('lets a jest with nothing left open exit at once, with its counts', async () => {
    const { code, counts, seconds } = await runFixture('tidy', resultsDir, 20_000);
    expect(code).toBe(0);
    expect(counts).toMatchObject({ passed: 1, failed: 0, failures: [] });
    // Well before the grace period: the reporter's timer does not keep the process alive.
    expect(seconds).toBeLessThan(15);
  }, 30_000);
});
