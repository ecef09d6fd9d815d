import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hashOf, type CanonicalDefinition } from '@gmcp/mcp-kit/platform';
import { SERVER_NAMES } from '@gmcp/infra';
import { check, formatProblems, GOVERNANCE_DIR, pin, servedDefinitions } from '../src/allowlist-pins';

const CLI = resolve(__dirname, '../src/allowlist-cli.ts');

describe('the reviewed allowlists (what CI checks)', () => {
  it.each(SERVER_NAMES)('%s: every entry pins the definition the code serves', (server) => {
    expect(formatProblems(check(server))).toBe('');
  });
});

describe('pin and check', () => {
  let dir: string;
  const policyFile = () => join(dir, 'ops-reader.json');
  const snapshotFile = () => join(dir, 'definitions', 'ops-reader.json');
  const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
  const cli = (...args: string[]) => spawnSync('npx', ['tsx', CLI, ...args, '--dir', dir, '--server', 'ops-reader'], { encoding: 'utf8' });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gmcp-pins-'));
    cpSync(GOVERNANCE_DIR, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** As if the allowlist had approved an older description of get_ticket_status. */
  function pinOlderDescription(): { older: CanonicalDefinition; current: CanonicalDefinition } {
    const current = servedDefinitions('ops-reader').get('get_ticket_status')!;
    const older = { ...current, description: 'Status of a ticket.' };
    const policy = readJson(policyFile());
    policy.tools.find((entry: { name: string }) => entry.name === 'get_ticket_status').definition = hashOf(older);
    writeFileSync(policyFile(), JSON.stringify(policy, null, 2));
    const snapshot = readJson(snapshotFile());
    snapshot.tools.get_ticket_status = older;
    writeFileSync(snapshotFile(), JSON.stringify(snapshot, null, 2));
    return { older, current };
  }

  it('reports a changed description with the field, the pinned text and the current text, until pinned again', () => {
    const { current } = pinOlderDescription();
    const problems = check('ops-reader', { dir });
    expect(problems).toEqual([
      expect.objectContaining({ tool: 'get_ticket_status', kind: 'changed', current: hashOf(current), fields: [{ field: 'description', before: 'Status of a ticket.', after: current.description }] }),
    ]);
    expect(formatProblems(problems)).toContain(`ops-reader/get_ticket_status: definition changed since it was pinned`);
    expect(formatProblems(problems)).toContain(`  description:\n    - pinned: Status of a ticket.\n    + now:    ${current.description}`);

    expect(pin('ops-reader', { dir })).toEqual(['get_ticket_status']);
    expect(check('ops-reader', { dir })).toEqual([]);
    expect(readJson(snapshotFile()).tools.get_ticket_status).toEqual(current);
  });

  it('reports entries without a pin and entries for tools the server does not serve', () => {
    const policy = readJson(policyFile());
    delete policy.tools[0].definition;
    policy.tools.push({ name: 'drop_tables' });
    writeFileSync(policyFile(), JSON.stringify(policy));
    expect(check('ops-reader', { dir }).map((problem) => [problem.tool, problem.kind])).toEqual([
      ['get_ticket_status', 'not_pinned'],
      ['drop_tables', 'not_served'],
    ]);
    expect(pin('ops-reader', { dir, only: ['get_ticket_status'] })).toEqual(['get_ticket_status']);
    expect(check('ops-reader', { dir }).map((problem) => problem.kind)).toEqual(['not_served']);
  });

  it('as a command: check exits 1 with the diff, pin writes the pins, check then exits 0', () => {
    pinOlderDescription();
    const failed = cli('check');
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('- pinned: Status of a ticket.');
    expect(cli('pin').stdout).toContain('ops-reader: pinned get_ticket_status');
    const passed = cli('check');
    expect([passed.status, passed.stdout]).toEqual([0, 'Allowlist pins match the code (ops-reader).\n']);
  });
});
