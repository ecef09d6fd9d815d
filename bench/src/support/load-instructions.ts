import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const IMPORT_BUNDLE = resolve(__dirname, 'import-bundle.mjs');

/**
 * The machine instructions Node executes to start and import `bundle`, counted by valgrind's
 * callgrind with V8 on one thread (its compiler and collector included): the same count run
 * after run, whatever else the machine is doing, so a change to what a bundle loads shows even
 * where wall time varies by ±100 ms. Undefined when valgrind is not installed.
 */
export function loadInstructions(bundle: string, nodePath: string): number | undefined {
  const run = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', nodePath, '--single-threaded', IMPORT_BUNDLE, bundle], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  const collected = /Collected : (\d+)/.exec(run.stderr ?? '');
  if (run.status !== 0 || !collected) throw new Error(`valgrind could not count ${bundle}: ${(run.stderr ?? '').split('\n').slice(-5).join('\n')}`);
  return Number(collected[1]);
}
