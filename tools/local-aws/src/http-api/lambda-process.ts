import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

export interface LambdaError {
  errorType: string;
  errorMessage: string;
}

/** An invocation's outcome, as the Lambda service reports it: a result, or the function's error. */
/** `cpuSinceStartMs`: CPU time of all the process's threads since it started importing the bundle. */
export type Invocation<T = unknown> = { ok: true; result: T; durationMs: number; sinceStartMs: number; cpuSinceStartMs: number } | { ok: false; error: LambdaError; durationMs: number };

/** A bundled Lambda function running in its own Node process (its own cold start). */
export interface LambdaProcess {
  /** How long importing the bundle took in the fresh process, and the CPU time it took (all threads). */
  readonly loadedMs: number;
  readonly loadCpuMs: number;
  readonly exports: readonly string[];
  /** The process's id (a benchmark asks valgrind running it for its counts). */
  readonly pid: number | undefined;
  /** What the function wrote to stdout and stderr, line by line (with `silent`; the last 5000 lines). */
  logs(): readonly string[];
  invoke<T = unknown>(exportName: string, event: unknown): Promise<Invocation<T>>;
  stop(): Promise<void>;
}

interface WorkerReply {
  id?: number;
  ready?: boolean;
  loadedMs?: number;
  loadCpuMs?: number;
  exports?: string[];
  result?: unknown;
  error?: LambdaError;
  durationMs?: number;
  sinceStartMs?: number;
  cpuSinceStartMs?: number;
}

const WORKER = resolve(__dirname, 'lambda-worker.mjs');

/**
 * Starts a fresh Node process that imports `bundle` (an ES module file) with exactly
 * `env` as its environment, as the Lambda runtime would; its output goes to ours
 * (or, with `silent`, to `logs()` and `onLogLine`, as CloudWatch Logs would receive it). `execArgv` passes Node flags (e.g. `--cpu-prof`);
 * `nodePath` runs another Node binary (e.g. the Lambda runtime's major version).
 */
export async function startLambdaProcess(
  bundle: string,
  env: Record<string, string>,
  options: { silent?: boolean; execArgv?: string[]; nodePath?: string; onLogLine?: (line: string) => void } = {},
): Promise<LambdaProcess> {
  const child = fork(WORKER, [resolve(bundle)], { env: { PATH: process.env.PATH ?? '', ...env }, execArgv: options.execArgv ?? [], execPath: options.nodePath ?? process.execPath, silent: options.silent ?? false });
  const lines: string[] = [];
  const keep = (line: string) => {
    if (!line) return;
    lines.push(line);
    options.onLogLine?.(line);
    if (lines.length > 5000) lines.splice(0, lines.length - 5000);
  };
  // Whole lines, however the pipe splits them (a metric's EMF line must reach onLogLine in one piece).
  for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', keep);
  const pending = new Map<number, (reply: WorkerReply) => void>();
  let next = 0;
  const ready = await new Promise<WorkerReply>((resolveReady, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`Lambda process exited (${code}) before it was ready`)));
    child.once('message', (reply: WorkerReply) => resolveReady(reply));
  });
  child.removeAllListeners('exit');
  if (!ready.ready) throw new Error(`Bundle ${bundle} failed to load: ${ready.error?.errorType}: ${ready.error?.errorMessage}\n${lines.join('\n')}`);
  child.on('message', (reply: WorkerReply) => {
    if (reply.id === undefined) return;
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  const exited: WorkerReply = { error: { errorType: 'Runtime.ExitError', errorMessage: 'the Lambda process exited' }, durationMs: 0 };
  child.removeAllListeners('error');
  child.on('error', () => undefined);
  child.on('exit', () => {
    for (const settle of pending.values()) settle(exited);
    pending.clear();
  });
  return {
    loadedMs: ready.loadedMs ?? 0,
    loadCpuMs: ready.loadCpuMs ?? 0,
    exports: ready.exports ?? [],
    pid: child.pid,
    logs: () => [...lines],
    invoke: <T>(exportName: string, event: unknown) =>
      new Promise<Invocation<T>>((settle) => {
        const id = next++;
        const complete = (reply: WorkerReply) =>
          settle(reply.error ? { ok: false, error: reply.error, durationMs: reply.durationMs ?? 0 } : { ok: true, result: reply.result as T, durationMs: reply.durationMs ?? 0, sinceStartMs: reply.sinceStartMs ?? 0, cpuSinceStartMs: reply.cpuSinceStartMs ?? 0 });
        if (!child.connected) return complete(exited);
        pending.set(id, complete);
        child.send({ id, exportName, event }, (error) => {
          if (!error || !pending.delete(id)) return;
          complete(exited);
        });
      }),
    stop: () => stopChild(child),
  };
}

/** Closes the IPC channel so that the process can end on its own (flushing e.g. a CPU profile); kills it if it does not. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const kill = setTimeout(() => child.kill(), 1000);
    child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    if (child.connected) child.disconnect();
    else child.kill();
  });
}
