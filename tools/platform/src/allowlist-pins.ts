import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { canonicalDefinition, canonicalJson, DEFINITION_FIELDS, hashOf, parseGovernancePolicy, servedTools, type CanonicalDefinition } from '@gmcp/mcp-kit/platform';
import { SERVER_MODULES, SERVER_NAMES, type ServerName } from '@gmcp/infra';

const REPO_ROOT = resolve(__dirname, '../../..');
/** The reviewed allowlists; each deployed stage reads its `governanceDir` (config/governance in both shipped stages). */
export const GOVERNANCE_DIR = resolve(REPO_ROOT, 'config', 'governance');

interface AllowlistEntry {
  name: string;
  risk?: string;
  definition?: string;
}

/** What pinned definitions looked like, for readable diffs: `<dir>/definitions/<server>.json`. */
type Snapshot = Record<string, CanonicalDefinition>;

export type PinProblem =
  | { server: string; tool: string; kind: 'not_pinned' }
  | { server: string; tool: string; kind: 'not_served' }
  | { server: string; tool: string; kind: 'changed'; pinned: string; current: string; fields: FieldChange[] };

export interface FieldChange {
  field: (typeof DEFINITION_FIELDS)[number];
  /** Undefined when the pinned definition's text is not in the snapshot. */
  before?: string;
  after: string;
}

const policyPath = (dir: string, server: string) => join(dir, `${server}.json`);
const snapshotPath = (dir: string, server: string) => join(dir, 'definitions', `${server}.json`);

/** The definitions a server serves now, by name (its tools, and get_request_status with high-risk ones). */
export function servedDefinitions(server: ServerName): Map<string, CanonicalDefinition> {
  return new Map(servedTools(SERVER_MODULES[server].tools).map((tool) => [tool.name, canonicalDefinition(tool)]));
}

function readPolicy(dir: string, server: string): { tools: AllowlistEntry[]; json: Record<string, unknown> } {
  const text = readFileSync(policyPath(dir, server), 'utf8');
  parseGovernancePolicy(text);
  const json = JSON.parse(text) as Record<string, unknown> & { tools: AllowlistEntry[] };
  return { tools: json.tools, json };
}

function readSnapshot(dir: string, server: string): Snapshot {
  const path = snapshotPath(dir, server);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { tools: Snapshot }).tools : {};
}

/**
 * Writes the current definition hash into each allowlist entry (of `only` tools, or all)
 * and the definitions' text into the snapshot. Entries for tools the server does not serve
 * are left as they are (`check` reports them). Returns the tools whose pin changed.
 */
export function pin(server: ServerName, options: { dir?: string; only?: readonly string[] } = {}): string[] {
  const dir = options.dir ?? GOVERNANCE_DIR;
  const served = servedDefinitions(server);
  const { json, tools } = readPolicy(dir, server);
  const snapshot = readSnapshot(dir, server);
  const changed: string[] = [];
  const entries = tools.map((entry) => {
    const definition = served.get(entry.name);
    if (!definition || (options.only && !options.only.includes(entry.name))) return entry;
    const hash = hashOf(definition);
    if (entry.definition !== hash) changed.push(entry.name);
    snapshot[entry.name] = definition;
    return { ...entry, definition: hash };
  });
  for (const name of Object.keys(snapshot)) if (!entries.some((entry) => entry.name === name)) delete snapshot[name];
  writeJson(policyPath(dir, server), { ...json, tools: entries });
  writeJson(snapshotPath(dir, server), { $comment: 'The definitions the allowlist pins, for readable diffs (npm run allowlist -- check). Written by npm run allowlist -- pin.', tools: sortedKeys(snapshot) });
  return changed;
}

/** Every allowlist entry whose pin is missing, stale, or names a tool the server does not serve. */
export function check(server: ServerName, options: { dir?: string } = {}): PinProblem[] {
  const dir = options.dir ?? GOVERNANCE_DIR;
  const served = servedDefinitions(server);
  const snapshot = readSnapshot(dir, server);
  return readPolicy(dir, server).tools.flatMap((entry): PinProblem[] => {
    const current = served.get(entry.name);
    if (!current) return [{ server, tool: entry.name, kind: 'not_served' }];
    if (!entry.definition) return [{ server, tool: entry.name, kind: 'not_pinned' }];
    const hash = hashOf(current);
    if (entry.definition === hash) return [];
    const before = snapshot[entry.name] && hashOf(snapshot[entry.name]!) === entry.definition ? snapshot[entry.name] : undefined;
    return [{ server, tool: entry.name, kind: 'changed', pinned: entry.definition, current: hash, fields: fieldChanges(before, current) }];
  });
}

function fieldChanges(before: CanonicalDefinition | undefined, after: CanonicalDefinition): FieldChange[] {
  return DEFINITION_FIELDS.flatMap((field) => {
    const now = text(after[field]);
    if (!before) return [{ field, after: now }];
    const then = text(before[field]);
    return then === now ? [] : [{ field, before: then, after: now }];
  });
}

const text = (value: unknown) => (typeof value === 'string' ? value : canonicalJson(value));

/** The problems as a reviewer reads them: which tool, which field, the pinned and the current text. */
export function formatProblems(problems: readonly PinProblem[]): string {
  return problems
    .map((problem) => {
      const where = `${problem.server}/${problem.tool}`;
      if (problem.kind === 'not_served') return `${where}: allowlisted, but the server has no such tool`;
      if (problem.kind === 'not_pinned') return `${where}: allowlisted without a pinned definition (npm run allowlist -- pin --server ${problem.server} --tool ${problem.tool})`;
      const lines = [`${where}: definition changed since it was pinned (${problem.pinned.slice(0, 19)}… → ${problem.current.slice(0, 19)}…)`];
      for (const change of problem.fields) {
        if (change.before === undefined) {
          lines.push(`  ${change.field}: now ${change.after}`);
          continue;
        }
        lines.push(`  ${change.field}:`, `    - pinned: ${change.before}`, `    + now:    ${change.after}`);
      }
      if (problem.fields.every((change) => change.before === undefined)) lines.push('  (the pinned text is not in the definitions snapshot: compare with the reviewed version)');
      return lines.join('\n');
    })
    .join('\n');
}

export function serversNamed(names: readonly string[]): ServerName[] {
  const unknown = names.filter((name) => !(SERVER_NAMES as readonly string[]).includes(name));
  if (unknown.length) throw new Error(`Unknown server ${unknown.join(', ')} (registered: ${SERVER_NAMES.join(', ')})`);
  return names.length ? (names as ServerName[]) : [...SERVER_NAMES];
}

function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
