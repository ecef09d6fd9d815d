import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyWorkspace, type WorkspaceCopy } from './workspace-copy';

/**
 * Runs both generators as a feature team would (`npx nx g ...`) in a copy of this
 * workspace, then typechecks, lints and runs what they generated: the new server's unit
 * and e2e tests, the tools' unit and e2e tests (a low-risk read, a medium-risk write that
 * asks for confirmation, a high-risk write that waits for an approver), and the deployment
 * plan's and IAM matrix's tests with the new server in them.
 */
jest.setTimeout(900_000);

let workspace: WorkspaceCopy;
const read = (path: string) => readFileSync(join(workspace.root, path), 'utf8');
const generate = (generator: string, options: Record<string, string | boolean>) =>
  workspace.run('npx', ['nx', 'g', `@gmcp/generators:${generator}`, '--no-interactive', ...Object.entries(options).map(([key, value]) => (value === true ? `--${key}` : `--${key}=${value}`))]);
const refusal = (generator: string, options: Record<string, string>) =>
  workspace.fail('npx', ['nx', 'g', `@gmcp/generators:${generator}`, '--no-interactive', ...Object.entries(options).map(([key, value]) => `--${key}=${value}`)]);

const LEAVE_TOOL = { project: 'hr-reader', name: 'get_leave_balance', owner: 'people-ops', scope: 'leave:read', classification: 'confidential', description: 'Days of leave left this year for the caller, by leave type.' };

beforeAll(() => {
  workspace = copyWorkspace();
  generate('server', { name: 'hr-reader', access: 'read', skipInstall: true, description: 'Read-only answers about leave balances for employees.' });
  workspace.linkPackage('hr-reader', 'apps/hr-reader');
  generate('tool', LEAVE_TOOL);
  generate('tool', { project: '@gmcp/ops-writer', name: 'reopen_ticket', owner: 'service-desk', scope: 'tickets:write', risk: 'medium', description: 'Reopens a resolved ticket when the problem came back, instead of a new ticket.' });
  generate('tool', { project: 'ops-writer', name: 'purge_ticket', owner: 'service-desk', scope: 'tickets:write', risk: 'high', classification: 'restricted', description: 'Deletes a ticket and its comments for a privacy request; an approver decides.' });
});
afterAll(() => workspace?.remove());

describe('the server generator', () => {
  it('registers the server once, with the next free local port, an empty allowlist and settings in every stage', () => {
    expect(JSON.parse(read('config/servers.json')).servers['hr-reader']).toEqual({ access: 'read', localPort: 4105, uses: [] });
    expect(JSON.parse(read('config/governance/hr-reader.json')).tools).toEqual([{ name: 'get_leave_balance', definition: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) }]);
    for (const stage of ['dev', 'production']) {
      const { services } = JSON.parse(read(`infra/stages/${stage}.json`));
      expect(services['hr-reader']).toEqual({ ...services['policy-reader'], audience: services['policy-reader'].audience.replace('policy-reader', 'hr-reader') });
    }
    expect(read('infra/src/server-modules.ts')).toContain("'hr-reader': hrReaderServer");
    expect(JSON.parse(read('infra/package.json')).dependencies['@gmcp/hr-reader']).toBe('*');
  });

  it('refuses a server that exists, or a malformed name, writing nothing', () => {
    expect(refusal('server', { name: 'ops-reader', access: 'read' })).toContain('A server ops-reader already exists');
    expect(refusal('server', { name: 'HR_Reader', access: 'read' })).toContain('lowercase words joined by dashes');
    expect(refusal('server', { name: 'mcp-kit', access: 'read' })).toContain('"mcp-kit" is taken by a workspace package');
    expect(existsSync(join(workspace.root, 'apps/HR_Reader'))).toBe(false);
  });
});

describe('the tool generator', () => {
  it('registers each tool in its app and on its allowlist', () => {
    expect(read('apps/hr-reader/src/tools/index.ts')).toMatch(/= \[getLeaveBalance\];/);
    expect(read('apps/ops-writer/src/tools/index.ts')).toMatch(/resolveIncident, reopenTicket, purgeTicket\]/);
    expect(JSON.parse(read('config/governance/ops-writer.json')).tools.map((tool: { name: string }) => tool.name)).toEqual(expect.arrayContaining(['reopen_ticket', 'purge_ticket']));
    // Pinned as generated; the pins of the other tools are untouched, so `check` passes.
    workspace.run('npm', ['run', '-s', 'allowlist', '--', 'check']);
  });

  it('refuses, before writing anything, what the kit would refuse at start-up', () => {
    const tool = { owner: 'sre', scope: 'incidents:write', description: 'Pages the on-call engineer of a team about an incident.' };
    expect(refusal('tool', { ...tool, project: 'ops-reader', name: 'page_oncall', access: 'write' })).toContain('ops-reader is a read-only server: a write tool belongs in a write server');
    expect(refusal('tool', { ...tool, project: 'hr-reader', name: 'page_oncall', risk: 'high', access: 'read' })).toContain('hr-reader has no approval workflow');
    expect(refusal('tool', { ...LEAVE_TOOL })).toContain('hr-reader already has a tool get_leave_balance');
    expect(refusal('tool', { ...tool, project: 'ops-reader', name: 'PageOncall' })).toContain('lowercase snake_case');
    expect(refusal('tool', { ...tool, project: 'ops-reader', name: 'delete', access: 'read' })).toContain('choose a more specific name');
    expect(refusal('tool', { ...tool, project: 'nowhere', name: 'page_oncall' })).toContain('No server "nowhere"');
    expect(existsSync(join(workspace.root, 'apps/ops-reader/src/tools/page-oncall.ts'))).toBe(false);
  });
});

describe('what they generated', () => {
  it('typechecks and lints', () => {
    for (const project of ['apps/hr-reader', 'apps/ops-writer', 'infra', 'tools/platform', 'e2e']) workspace.run('npx', ['tsc', '-p', `${project}/tsconfig.json`, '--noEmit']);
    workspace.run('npx', ['eslint', 'apps/hr-reader', 'apps/ops-writer', 'e2e/tests/hr-reader', 'e2e/tests/ops-writer', 'infra/src']);
  });

  it('passes its unit tests', () => {
    const output = workspace.run('npx', ['jest', 'tests/server.test.ts', 'tests/tools'], { cwd: 'apps/hr-reader' });
    expect(output).toMatch(/Tests:\s+\d+ passed/);
    workspace.run('npx', ['jest', 'tests/tools'], { cwd: 'apps/ops-writer' });
  });

  it('passes its e2e tests against the servers started as `npm start` starts them', () => {
    const output = workspace.run('npx', ['jest', 'tests/hr-reader', 'tests/ops-writer/reopen-ticket', 'tests/ops-writer/purge-ticket'], {
      cwd: 'e2e',
      env: { NODE_OPTIONS: '--experimental-vm-modules --disable-warning=ExperimentalWarning' },
    });
    expect(output).toMatch(/Test Suites:\s+4 passed, 4 total/);
  });

  it('deploys: the plan, routes and least-privilege matrix include the new server with the kit\'s grants only', () => {
    workspace.run('npx', ['jest', 'tests/iam.test.ts', 'tests/services.test.ts', 'tests/deployment.test.ts', 'tests/stage-resources.test.ts', 'tests/servers.test.ts'], { cwd: 'infra' });
  });
});
