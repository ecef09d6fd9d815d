import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SERVER_NAMES } from '@gmcp/infra';
import { callPolicyPaths, compileServerPolicies, explain, runPolicyTests, schemaText } from '../src/call-policy-files';
import { GOVERNANCE_DIR } from '../src/allowlist-pins';

const CLI = resolve(__dirname, '../src/policy-cli.ts');
const cli = (...args: string[]) => spawnSync('npx', ['tsx', CLI, ...args], { encoding: 'utf8' });

describe('the reviewed call policies (what CI checks)', () => {
  it.each(SERVER_NAMES)('%s: its policies validate against its tools and every test case passes', async (server) => {
    const policies = await compileServerPolicies(server);
    expect(policies?.ids.length).toBeGreaterThan(0);
    const failed = (await runPolicyTests(server)).filter((result) => !result.passed);
    expect(failed).toEqual([]);
  });

  it.each(SERVER_NAMES)('%s: the checked-in schema is the one its tools generate (npm run policy -- schema)', async (server) => {
    expect(readFileSync(callPolicyPaths(server).schema, 'utf8')).toBe(await schemaText(server));
  });
});

describe('a policy that no longer fits the tools', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gmcp-cedar-'));
    cpSync(GOVERNANCE_DIR, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fails validation with the file, line and the argument it names', async () => {
    const path = callPolicyPaths('ops-writer', dir).policies;
    writeFileSync(path, `${readFileSync(path, 'utf8')}\n@id("by-priority")\npermit (principal, action == Action::"change_incident_severity", resource)\nwhen { context.arguments.priority == "P1" };\n`);
    const lines = readFileSync(path, 'utf8').split('\n').length;
    await expect(compileServerPolicies('ops-writer', dir)).rejects.toThrow(new RegExp(`ops-writer\\.cedar:${lines - 1}:\\d+: policy by-priority: .*arguments\\.priority`));
  });

  it('a test case whose expectation the policies no longer meet fails, naming what happened', async () => {
    const path = callPolicyPaths('ops-writer', dir).tests;
    const file = JSON.parse(readFileSync(path, 'utf8'));
    file.cases[4].expect.decision = 'approval';
    writeFileSync(path, JSON.stringify(file));
    const failed = (await runPolicyTests('ops-writer', dir)).filter((result) => !result.passed);
    expect(failed).toEqual([expect.objectContaining({ name: 'a change to SEV3 runs at once', actual: { decision: 'allow', policies: ['incidents.severity.sev3-sev4-at-once'] } })]);
  });
});

describe('explain', () => {
  it('a denied call names the forbid and what the caller reads', async () => {
    const explanation = await explain('ops-reader', await compileServerPolicies('ops-reader'), { tool: 'search_tickets', as: { subject: 'alice', scopes: [], client_id: 'assistant' }, arguments: { team: 'security' } });
    expect(explanation).toEqual({
      decision: 'deny',
      policies: ['tickets.search.security-team-only'],
      message: "search_tickets was refused by call policy tickets.search.security-team-only: Searches of the security team's tickets are for members of that team. Nothing was changed.",
    });
  });

  it('through the CLI, a tool acting on a resource needs it', () => {
    const missing = cli('explain', '--server', 'ops-writer', '--tool', 'update_ticket', '--as', 'alice', '--args', '{"ticket_id":"TCK-1042","priority":"P1"}');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/update_ticket acts on a Ticket: give its id and attributes/);
    const ok = cli(
      'explain',
      '--server',
      'ops-writer',
      '--tool',
      'update_ticket',
      '--as',
      'alice',
      '--args',
      '{"ticket_id":"TCK-1042","priority":"P1"}',
      '--resource',
      '{"id":"TCK-1042","attributes":{"team":"network","requester":"dana.kim","status":"open","priority":"P2"}}',
    );
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ decision: 'confirmation', policies: ['tickets.update.own-team'] });
  });

  it('validate, schema --check and test pass on the shipped files', () => {
    for (const command of [['validate'], ['schema', '--check'], ['test']]) {
      const run = cli(...command);
      expect({ command, status: run.status, stderr: run.stderr }).toEqual({ command, status: 0, stderr: '' });
    }
  });
});
