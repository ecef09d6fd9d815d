import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../../..');

/** A free loopback port (bound once and released, as the platform binds fixed ports). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

export interface Spawned {
  child: ChildProcess;
  /** Ctrl-C as a terminal sends it: SIGINT to the whole process group. */
  interrupt(): void;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited(): Promise<number | null>;
}

/**
 * Runs an npm script from the repository root in its own process group, collecting
 * its stdout and stderr. (npm does not forward SIGINT to its script; a terminal sends
 * Ctrl-C to the whole group, and so does `interrupt`.)
 */
export function npmRun(args: string[], env: Record<string, string>): Spawned {
  const child = spawn('npm', args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return {
    child,
    interrupt: () => process.kill(-child.pid!, 'SIGINT'),
    output: () => output,
    exited: () => exit,
    waitFor: (pattern, timeoutMs = 30_000) =>
      new Promise((done, fail) => {
        const deadline = setTimeout(() => fail(new Error(`Timed out waiting for ${pattern}; output so far:\n${output}`)), timeoutMs);
        const check = () => {
          const match = output.match(pattern);
          if (!match) return;
          clearTimeout(deadline);
          child.stdout!.off('data', check);
          done(match);
        };
        child.stdout!.on('data', check);
        exit.then(() => {
          clearTimeout(deadline);
          fail(new Error(`Process exited before ${pattern}; output:\n${output}`));
        });
        check();
      }),
  };
}

/** Runs an npm script to completion and returns its stdout. */
export async function npmOutput(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('npm', args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  return { code, stdout, stderr };
}

/** Polls until nothing listens on any of the ports (true), or gives up after `timeoutMs` (false). */
export async function portsFreed(ports: string[], timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const listening = await Promise.all(ports.map((port) => isListening(Number(port))));
    if (!listening.includes(true)) return true;
    await new Promise((done) => setTimeout(done, 100));
  }
  return false;
}

function isListening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}
