import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../../..');

/** No colours (the output is matched), no Nx daemon, cloud or cache. */
const PLAIN_OUTPUT = { FORCE_COLOR: '0', NO_COLOR: '1', NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_SKIP_NX_CACHE: 'true', NX_TUI: 'false' };

/**
 * A copy of the workspace's files (tracked and new, not ignored) in a temporary folder,
 * sharing the installed dependencies: node_modules holds links to the originals, except
 * the workspace's own packages, which link to the copy's.
 */
export interface WorkspaceCopy {
  readonly root: string;
  /** Runs a command in the copy; fails the test with its output when it fails. */
  run(command: string, args: string[], options?: { env?: Record<string, string>; timeoutMs?: number; cwd?: string }): string;
  /** Runs a command that must fail; returns its output. */
  fail(command: string, args: string[]): string;
  /** Links a package the copy gained (what `npm install` would do). */
  linkPackage(name: string, directory: string): void;
  remove(): void;
}

export function copyWorkspace(): WorkspaceCopy {
  const root = mkdtempSync(join(tmpdir(), 'gmcp-generators-'));
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(root, file), { dereference: false, errorOnExist: false });
  }
  const modules = join(root, 'node_modules');
  mkdirSync(join(modules, '@gmcp'), { recursive: true });
  for (const entry of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    // The copy's own caches (test results, tool caches) must not land in the workspace's.
    if (entry !== '@gmcp' && entry !== '.cache') symlinkSync(join(REPO_ROOT, 'node_modules', entry), join(modules, entry));
  }
  const linkPackage = (name: string, directory: string) => symlinkSync(join(root, directory), join(modules, '@gmcp', name.replace(/^@gmcp\//, '')));
  // A package's own dependencies that npm could not hoist (another version at the root) live beside it.
  const linkNestedModules = (directory: string) => {
    if (existsSync(join(REPO_ROOT, directory, 'node_modules'))) symlinkSync(join(REPO_ROOT, directory, 'node_modules'), join(root, directory, 'node_modules'));
  };
  for (const workspace of ['packages', 'apps', 'tools']) {
    for (const entry of readdirSync(join(root, workspace))) {
      linkPackage(entry, `${workspace}/${entry}`);
      linkNestedModules(`${workspace}/${entry}`);
    }
  }
  for (const single of ['infra', 'e2e', 'bench']) {
    linkPackage(single, single);
    linkNestedModules(single);
  }

  return {
    root,
    linkPackage,
    fail: (command, args) => {
      const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...PLAIN_OUTPUT } });
      if (result.status === 0) throw new Error(`${command} ${args.join(' ')} succeeded; it should have failed:\n${result.stdout}`);
      return `${result.stdout ?? ''}${result.stderr ?? ''}`;
    },
    run: (command, args, { env = {}, timeoutMs = 600_000, cwd = '.' } = {}) => {
      const result = spawnSync(command, args, {
        cwd: join(root, cwd),
        encoding: 'utf8',
        timeout: timeoutMs,
        env: { ...process.env, ...PLAIN_OUTPUT, ...env },
      });
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
      if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${output}`);
      return output;
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
