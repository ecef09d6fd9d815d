import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Client } from '@modelcontextprotocol/client';
import { CallPolicyError, METRIC, type MemoryMetrics } from '@gmcp/mcp-kit/platform';
import { connectClient } from './support/mcp-client';
import { startWriterPlatform, type WriterPlatform } from './support/writer-platform';

jest.setTimeout(90_000);

const SHIPPED = resolve(__dirname, '../../config/governance/ops-writer.cedar');
const WRITER_SCOPES = ['tickets:write', 'incidents:write', 'approvals:read'];
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * The shipped call policies of ops-writer (config/governance/ops-writer.cedar) deciding real
 * calls from the v1 SDK client most assistants run and the v2 client: per caller and per
 * argument, raising risk to approval, re-read without a restart, fail closed on bad text.
 */
describe('call policies (Cedar) on the writer', () => {
  let dir: string;
  let policyFile: string;
  let platform: WriterPlatform;
  let alice: V1Client;
  let carol: Client;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gmcp-cedar-e2e-'));
    policyFile = join(dir, 'ops-writer.cedar');
    copyFileSync(SHIPPED, policyFile);
    platform = await startWriterPlatform({ CALL_POLICIES_FILE: policyFile, GOVERNANCE_TTL_SECONDS: '1' });
    alice = new V1Client({ name: 'assistant', version: '1.0.0' });
    await alice.connect(new V1StreamableHTTPClientTransport(new URL(platform.writer.url), { requestInit: { headers: { Authorization: `Bearer ${await platform.token('alice', WRITER_SCOPES)}` } } }));
    carol = await connectClient(platform.writer.url, await platform.token('carol', WRITER_SCOPES), 'modern', { elicitation: true });
    carol.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { confirm: true } }));
  });
  afterAll(async () => {
    await alice?.close();
    await carol?.close();
    await platform?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const severityOf = async (incident: string) => (await platform.ownerQuery(`SELECT severity FROM incidents WHERE id = '${incident}'`))[0]!.severity;
  const recordsOf = async (tool: string) => (await platform.auditStore.query({ tool, since: new Date(Date.now() - 600_000), limit: 200 })).records;

  it('a SEV3 change runs at once; a SEV1 change waits for approval (the v1 client reads both answers against the advertised schema)', async () => {
    const { tools } = await alice.listTools();
    const severity = tools.find((tool) => tool.name === 'change_incident_severity')!;
    expect(severity.outputSchema).toMatchObject({ type: 'object', anyOf: [expect.objectContaining({ properties: expect.objectContaining({ severity: expect.anything() }) }), expect.objectContaining({ properties: expect.objectContaining({ approval_id: expect.anything() }) })] });

    const now = await alice.callTool({ name: 'change_incident_severity', arguments: { incident_id: 'INC-2047', severity: 'SEV3', reason: 'Error rate back under one percent' } });
    expect(now.isError).toBeFalsy();
    expect(now.structuredContent).toMatchObject({ incident_id: 'INC-2047', severity: 'SEV3' });
    expect(await severityOf('INC-2047')).toBe('SEV3');

    const later = await alice.callTool({ name: 'change_incident_severity', arguments: { incident_id: 'INC-2047', severity: 'SEV1', reason: 'Checkout failing for every customer again' } });
    expect(later.structuredContent).toMatchObject({ status: 'pending_approval', approval_id: expect.any(String) });
    expect(await severityOf('INC-2047')).toBe('SEV3');

    const allowed = (await recordsOf('change_incident_severity')).filter((record) => record.event === 'tool_allowed');
    expect(allowed.map((record) => [record.risk, record.policies])).toEqual(
      expect.arrayContaining([
        ['low', ['incidents.severity.sev3-sev4-at-once']],
        ['high', ['incidents.severity.sev1-sev2-need-approval']],
      ]),
    );
  });

  it('the same tool runs for a member of the ticket\'s team and is refused to someone else, who still sees it listed', async () => {
    // The user confirms in band (2026-07-28): a 2025-era client would get a confirmation link.
    const aliceModern = await connectClient(platform.writer.url, await platform.token('alice', WRITER_SCOPES), 'modern', { elicitation: true });
    aliceModern.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { confirm: true } }));
    const updated = await aliceModern.callTool({ name: 'update_ticket', arguments: { ticket_id: 'TCK-1042', priority: 'P1' } });
    await aliceModern.close();
    expect(updated.structuredContent).toMatchObject({ ticket: { ticket_id: 'TCK-1042', priority: 'P1' } });

    expect((await carol.listTools()).tools.map((tool) => tool.name)).toContain('update_ticket');
    const refused = await carol.callTool({ name: 'update_ticket', arguments: { ticket_id: 'TCK-1042', priority: 'P4' } });
    expect(refused).toMatchObject({ isError: true, content: [{ text: 'update_ticket was refused: no call policy permits this call. Nothing was changed.' }] });
    expect((await platform.ownerQuery("SELECT priority FROM tickets WHERE id = 'TCK-1042'"))[0]!.priority).toBe('P1');
    const denial = (await recordsOf('update_ticket')).find((record) => record.event === 'tool_denied' && record.actor?.subject === 'carol');
    expect(denial).toMatchObject({ reason: 'policy_denied', arguments: expect.stringContaining('"priority":"P4"') });
  });

  it('a policy change is picked up without a restart; a broken one keeps the last good set', async () => {
    writeFileSync(policyFile, `${readFileSync(SHIPPED, 'utf8')}\n@id("incidents.freeze")\n@description("Change freeze until the quarter closes")\nforbid (principal, action == Action::"change_incident_severity", resource);\n`);
    await sleep(1200);
    const frozen = await carol.callTool({ name: 'change_incident_severity', arguments: { incident_id: 'INC-2047', severity: 'SEV4', reason: 'Customers no longer affected' } });
    expect(frozen).toMatchObject({ isError: true, content: [{ text: 'change_incident_severity was refused by call policy incidents.freeze: Change freeze until the quarter closes. Nothing was changed.' }] });

    writeFileSync(policyFile, 'permit (principal, action, resource) when { ) };');
    await sleep(1200);
    const still = await carol.callTool({ name: 'change_incident_severity', arguments: { incident_id: 'INC-2047', severity: 'SEV4', reason: 'Customers no longer affected' } });
    expect(still).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('incidents.freeze') }] });
    expect((platform.writer.governance.metrics as MemoryMetrics).counter(METRIC.callPolicyLoadFailures)).toBeGreaterThan(0);
    expect(await severityOf('INC-2047')).toBe('SEV3');
  });

  it('a policy that does not validate stops the server at start, naming file, line and problem', async () => {
    const broken = join(dir, 'broken.cedar');
    writeFileSync(broken, '@id("by-priority")\npermit (principal, action == Action::"change_incident_severity", resource)\nwhen { context.arguments.priority == "P1" };\n');
    const started = startWriterPlatform({ CALL_POLICIES_FILE: broken });
    await expect(started).rejects.toThrow(CallPolicyError);
    await expect(started).rejects.toThrow(/broken\.cedar:3:\d+: policy by-priority: .*arguments\.priority/);
  });
});
