import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { auditRecordsDir } from '@gmcp/platform';
import { connectClient } from './support/mcp-client';
import { tamperWithAuditLine } from './support/audit-files';
import { freePort, npmOutput, npmRun, portsFreed } from './support/processes';

jest.setTimeout(150_000);

describe('the local contract: npm start, npm run token, Ctrl-C', () => {
  let env: Record<string, string>;
  let stateDir: string;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'gmcp-start-'));
    env = {
      GMCP_STATE_DIR: stateDir,
      DEV_ISSUER_PORT: String(await freePort()),
      POLICY_READER_PORT: String(await freePort()),
      OPS_READER_PORT: String(await freePort()),
      OPS_WRITER_PORT: String(await freePort()),
      CONSOLE_PORT: String(await freePort()),
      LOCAL_DYNAMODB_PORT: String(await freePort()),
      POLICY_READER_LOG_LEVEL: 'WARN',
      OPS_READER_LOG_LEVEL: 'WARN',
      OPS_WRITER_LOG_LEVEL: 'WARN',
    };
  });
  afterAll(() => rm(stateDir, { recursive: true, force: true }));

  it('starts the issuer and servers, prints their URLs, serves a CLI token, and stops cleanly on SIGINT', async () => {
    const platform = npmRun(['start', '--silent'], env);
    try {
      // A fresh state folder: the policy index is built and the embedded database seeded first (slow on a busy CI machine).
      const [, policyUrl] = await platform.waitFor(/policy-reader\s+(http:\/\/127\.0\.0\.1:\d+\/mcp)/, 60_000);
      // The console's line ends the block; the lines may arrive in more than one write.
      await platform.waitFor(new RegExp(`console\\s+http://127\\.0\\.0\\.1:${env.CONSOLE_PORT}\\n`), 10_000);
      expect(platform.output()).toMatch(new RegExp(`dev-issuer\\s+http://127\\.0\\.0\\.1:${env.DEV_ISSUER_PORT}\\n`));
      expect(policyUrl).toBe(`http://127.0.0.1:${env.POLICY_READER_PORT}/mcp`);

      const { code, stdout } = await npmOutput(['run', '--silent', 'token', '--', '--sub', 'alice', '--scope', 'policies:read', '--ttl', '10m'], env);
      expect(code).toBe(0);
      const token = stdout.trim();
      expect(stdout).toBe(`${token}\n`);
      const claims = decodeJwt(token);
      expect(claims).toMatchObject({ sub: 'alice', aud: policyUrl, iss: `http://127.0.0.1:${env.DEV_ISSUER_PORT}`, scope: 'policies:read' });
      expect(claims.exp! - claims.iat!).toBe(600);

      const client = await connectClient(policyUrl!, token, 'modern');
      const result = await client.callTool({ name: 'search_policies', arguments: { query: 'parental leave weeks' } });
      expect((result.structuredContent as { hits: { document_id: string }[] }).hits[0]!.document_id).toBe('parental-family-leave');
      await client.close();

      // The signing key, and the state holding the console's registered client (no assistant has signed in).
      expect(await readdir(join(stateDir, 'dev-issuer'))).toEqual(['oauth-state.json', 'signing-key.json']);

      // The banner says how to connect an assistant by OAuth, with the ports in force.
      for (const [name, port] of [['policy-reader', env.POLICY_READER_PORT], ['ops-reader', env.OPS_READER_PORT], ['ops-writer', env.OPS_WRITER_PORT]]) {
        expect(platform.output()).toContain(`claude mcp add --transport http ${name} http://127.0.0.1:${port}/mcp`);
      }
      expect(platform.output()).toContain('docs/connect-an-assistant.md');
      const metadata = (await (await fetch(`http://127.0.0.1:${env.DEV_ISSUER_PORT}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
      expect(metadata).toMatchObject({ authorization_endpoint: `http://127.0.0.1:${env.DEV_ISSUER_PORT}/authorize`, code_challenge_methods_supported: ['S256'] });

      // npm run token refuses what would only be refused later: a scope no server defines, another state folder's key.
      const typo = await npmOutput(['run', '--silent', 'token', '--', '--sub', 'alice', '--scope', 'policies:raed'], env);
      expect(typo).toMatchObject({ code: 2, stdout: '' });
      expect(typo.stderr).toContain('policies:raed is not defined by policy-reader');
      const otherState = await mkdtemp(join(tmpdir(), 'gmcp-other-state-'));
      const foreign = await npmOutput(['run', '--silent', 'token', '--', '--sub', 'alice', '--scope', 'policies:read'], { ...env, GMCP_STATE_DIR: otherState });
      expect(foreign).toMatchObject({ code: 1, stdout: '' });
      expect(foreign.stderr).toContain(`The issuer running at http://127.0.0.1:${env.DEV_ISSUER_PORT} signs with another key than this state folder's (${otherState})`);
      await rm(otherState, { recursive: true, force: true });

      // A second npm start names every port in use and the variable that moves it, in one message.
      const second = await npmOutput(['start', '--silent'], { ...env, GMCP_STATE_DIR: otherState });
      expect(second.code).toBe(1);
      for (const variable of ['DEV_ISSUER_PORT', 'LOCAL_DYNAMODB_PORT', 'POLICY_READER_PORT', 'OPS_READER_PORT', 'OPS_WRITER_PORT']) expect(second.stderr).toContain(variable);
      await rm(otherState, { recursive: true, force: true });

      // The audit trail of that call, read and verified with the CLI while the platform runs.
      const query = await npmOutput(['run', '--silent', 'audit', '--', 'query', '--actor', 'alice', '--since', '1h', '--json'], env);
      expect(query.code).toBe(0);
      const { records } = JSON.parse(query.stdout) as { records: { event: string; event_id: string; time: string; tool: string }[] };
      expect(records.map((record) => record.event)).toEqual(['tool_completed', 'tool_allowed']);
      const table = await npmOutput(['run', '--silent', 'audit', '--', 'query', '--tool', 'search_policies', '--decision', 'allowed'], env);
      expect(table.stdout).toMatch(/^time \(UTC\)\s+event\s+decision\s+reason\s+call policies/m);
      // The call policy that permitted the call shows on both of its records.
      expect(table.stdout).toMatch(/tool_allowed\s+allowed\s+policy_allowed\s+policies\.browse\.open-to-readers\s+policy-reader\s+search_policies\s+alice\s+-/);
      expect(table.stdout).toMatch(/tool_completed\s+allowed\s+completed\s+policies\.browse\.open-to-readers\s+policy-reader\s+search_policies\s+alice\s+ok/);

      const clean = await npmOutput(['run', '--silent', 'audit', '--', 'verify', '--since', '1h'], env);
      expect(clean).toMatchObject({ code: 0 });
      expect(clean.stdout).toMatch(/Checked 2 stored item\(s\)[\s\S]*All signatures match/);

      // Someone with write access to the state folder rewrites history: verify catches it.
      const tampered = records[0]!;
      await tamperWithAuditLine(auditRecordsDir(env), tampered, (stored) => ({ ...stored, outcome: 'tool_error' }));
      const caught = await npmOutput(['run', '--silent', 'audit', '--', 'verify', '--since', '1h'], env);
      expect(caught.code).toBe(1);
      expect(caught.stdout).toMatch(/1 record\(s\) no longer match their signature/);
      expect(caught.stdout).toContain(tampered.time.replace('T', ' ').slice(0, 23));

      // The tickets/incidents reader runs on its seeded embedded database, with its own audience.
      const [, opsUrl] = platform.output().match(/ops-reader\s+(http:\/\/127\.0\.0\.1:\d+\/mcp)/) ?? [];
      expect(opsUrl).toBe(`http://127.0.0.1:${env.OPS_READER_PORT}/mcp`);
      const opsToken = await npmOutput(['run', '--silent', 'token', '--', '--sub', 'bob', '--scope', 'tickets:read incidents:read', '--aud', 'ops-reader'], env);
      const opsClient = await connectClient(opsUrl!, opsToken.stdout.trim(), 'legacy');
      const status = await opsClient.callTool({ name: 'get_ticket_status', arguments: { ticket_id: 'TCK-1042' } });
      expect(status.structuredContent).toMatchObject({ found: true, ticket: { ticket_id: 'TCK-1042', status: 'in_progress' } });
      await opsClient.close();

      // The writer: a ticket created at once, then a high-risk call approved from the CLI by a second person.
      const [, writerUrl] = platform.output().match(/ops-writer\s+(http:\/\/127\.0\.0\.1:\d+\/mcp)/) ?? [];
      const writerToken = await npmOutput(['run', '--silent', 'token', '--', '--sub', 'bob', '--scope', 'tickets:write incidents:write approvals:read', '--aud', 'ops-writer'], env);
      const writer = await connectClient(writerUrl!, writerToken.stdout.trim(), 'modern');
      const created = await writer.callTool({ name: 'create_ticket', arguments: { title: 'Projector in room 4.12 shows no signal', description: 'HDMI and USB-C inputs both show no signal since this morning.', team: 'facilities' } });
      expect(created.structuredContent).toMatchObject({ ticket: { requester: 'bob', status: 'open' } });
      const pending = (await writer.callTool({ name: 'change_incident_severity', arguments: { incident_id: 'INC-2031', severity: 'SEV2', reason: 'Card payments recovering, error rate under 1%' } }))
        .structuredContent as { status: string; approval_id: string };
      expect(pending.status).toBe('pending_approval');
      const listed = await npmOutput(['run', '--silent', 'approvals', '--', 'list', '--as', 'carol'], env);
      expect(listed.stdout).toContain(pending.approval_id);
      const selfApproval = await npmOutput(['run', '--silent', 'approvals', '--', 'approve', pending.approval_id, '--as', 'bob'], env);
      expect(selfApproval.code).toBe(1);
      const approved = await npmOutput(['run', '--silent', 'approvals', '--', 'approve', pending.approval_id, '--as', 'carol'], env);
      expect(approved.code).toBe(0);
      expect(approved.stdout).toMatch(/status\s+executed/);
      const requestStatus = await writer.callTool({ name: 'get_request_status', arguments: { approval_id: pending.approval_id } });
      expect(requestStatus.structuredContent).toMatchObject({ status: 'executed', decided_by: 'carol', result: { severity: 'SEV2' } });
      await writer.close();
      const trail = await npmOutput(['run', '--silent', 'audit', '--', 'query', '--tool', 'change_incident_severity', '--since', '1h'], env);
      for (const event of ['approval_requested', 'approval_decided', 'approval_executed']) expect(trail.stdout).toContain(event);
      expect((await readdir(stateDir)).sort()).toEqual(['approvals', 'audit', 'console', 'dev-issuer', 'dynamodb', 'ops-db']);
    } finally {
      platform.interrupt();
    }
    await platform.exited();
    // npm itself dies of the SIGINT; the platform under it stops its servers and frees the ports.
    await expect(portsFreed([env.DEV_ISSUER_PORT!, env.POLICY_READER_PORT!, env.OPS_READER_PORT!, env.OPS_WRITER_PORT!, env.LOCAL_DYNAMODB_PORT!])).resolves.toBe(true);
    expect(platform.output()).toMatch(/SIGINT received, stopping/);
  });

  it('refuses bad token arguments with usage on stderr and nothing on stdout', async () => {
    const { code, stdout } = await npmOutput(['run', '--silent', 'token', '--', '--scope', 'policies:read', '--ttl', 'forever'], env);
    expect(code).toBe(2);
    expect(stdout).toBe('');
  });

  it('npm run reset clears the state folder', async () => {
    const { code } = await npmOutput(['run', '--silent', 'reset'], env);
    expect(code).toBe(0);
    await expect(readdir(stateDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
