import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLambdaProcess } from '@gmcp/local-aws';

const IMPORT_BUNDLE = resolve(__dirname, 'import-bundle.mjs');
/** V8 on one thread: its compiler and collector run on the main thread, and are counted in order. */
const CALLGRIND = (out: string) => ['--tool=callgrind', `--callgrind-out-file=${out}`];

/** Whether valgrind is installed (Debian: apt-get install valgrind). */
export function hasValgrind(): boolean {
  return spawnSync('valgrind', ['--version']).status === 0;
}

/**
 * The machine instructions Node executes to start and import `bundle`, counted by valgrind's
 * callgrind: the same count run after run, whatever else the machine is doing, so a change to
 * what a bundle loads shows even where wall time varies by ±100 ms.
 */
export function loadInstructions(bundle: string, nodePath: string): number {
  const run = spawnSync('valgrind', [...CALLGRIND('/dev/null'), nodePath, '--single-threaded', IMPORT_BUNDLE, bundle], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const collected = /Collected : (\d+)/.exec(run.stderr ?? '');
  if (run.status !== 0 || !collected) throw new Error(`valgrind could not count ${bundle}: ${(run.stderr ?? '').split('\n').slice(-5).join('\n')}`);
  return Number(collected[1]);
}

/**
 * One cold start of a function under callgrind, as `bench:lambda` runs it (a fresh process, the
 * first event): the instructions of the start and the bundle's import (`load`), then those of the
 * first event's handling (`firstEvent`), the function's own work without the peers' it waits for.
 * About 50 times slower than without valgrind.
 */
export async function coldStartInstructions(bundle: string, env: Record<string, string>, event: unknown, nodePath: string): Promise<{ load: number; firstEvent: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'callgrind-'));
  try {
    const node = join(dir, 'node-under-callgrind');
    writeFileSync(node, `#!/bin/sh\nexec valgrind ${CALLGRIND(join(dir, 'counts')).join(' ')} --log-file=${join(dir, 'valgrind.log')} '${nodePath}' --single-threaded "$@"\n`);
    chmodSync(node, 0o755);
    const lambda = await startLambdaProcess(bundle, env, { silent: true, nodePath: node });
    // callgrind_control reaches the process through vgdb: where it cannot, the count fails instead of the bench hanging.
    const dump = () => execFileSync('callgrind_control', ['--dump', String(lambda.pid)], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
    dump();
    const first = await lambda.invoke<{ statusCode: number }>('handler', event);
    dump();
    await lambda.stop();
    if (!first.ok || first.result.statusCode !== 200) throw new Error(`${bundle}: the first event failed under callgrind: ${JSON.stringify(first)}`);
    const total = (part: number) => Number(/^totals: (\d+)$/m.exec(readFileSync(join(dir, `counts.${part}`), 'utf8'))?.[1] ?? Number.NaN);
    return { load: total(1), firstEvent: total(2) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
