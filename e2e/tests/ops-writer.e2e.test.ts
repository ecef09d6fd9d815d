import type { Client } from '@modelcontextprotocol/client';
import { connectClient } from './support/mcp-client';
import { startWriterPlatform, type WriterPlatform } from './support/writer-platform';

jest.setTimeout(60_000);

const WRITER_SCOPES = ['tickets:write', 'incidents:write', 'approvals:read'];

describe('the writer, with human approval for high-risk tools', () => {
  let platform: WriterPlatform;
  let alice: Client;
  beforeAll(async () => {
    platform = await startWriterPlatform();
    alice = await connectClient(platform.writer.url, await platform.token('alice', WRITER_SCOPES), 'modern', { elicitation: true });
  });
  afterAll(async () => {
    await alice?.close();
    await platform?.stop();
  });

  const call = async (name: string, args: Record<string, unknown>) => {
    const result = await alice.callTool({ name, arguments: args });
    if (result.isError) throw new Error(JSON.stringify(result.content));
    return result.structuredContent as Record<string, unknown>;
  };
  const count = async (sql: string) => Number((await platform.ownerQuery(sql))[0]!.n);

  it('lists its tools; high-risk ones advertise the pending-approval answer', async () => {
    const { tools } = await alice.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      ['add_incident_update', 'add_ticket_comment', 'change_incident_severity', 'close_ticket_as_wont_fix', 'create_ticket', 'get_request_status', 'resolve_incident', 'update_ticket'],
    );
    const resolve = tools.find((tool) => tool.name === 'resolve_incident')!;
    expect(resolve.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(resolve.outputSchema).toMatchObject({ properties: { status: { const: 'pending_approval' } } });
  });

  it('creates a ticket once, however often an idempotent call is retried', async () => {
    const before = await count('SELECT count(*)::int AS n FROM tickets');
    const args = { title: 'Badge reader at the west entrance rejects new badges', description: 'Since Monday the reader at the west entrance refuses every badge issued this month.', team: 'facilities', priority: 'P3', idempotency_key: 'e2e-badge-reader-0001' };
    const first = await call('create_ticket', args);
    const retried = await call('create_ticket', args);
    expect(retried).toEqual(first);
    expect(await count('SELECT count(*)::int AS n FROM tickets')).toBe(before + 1);
    expect((first.ticket as { requester: string }).requester).toBe('alice');
  });

  it('asks the user to confirm a medium-risk change in band (2026-07-28), and refuses it to a client that cannot ask', async () => {
    const prompts: string[] = [];
    alice.setRequestHandler('elicitation/create', async (request) => {
      prompts.push((request.params as { message: string }).message);
      return { action: 'accept', content: { confirm: true } };
    });
    const updated = await call('update_ticket', { ticket_id: 'TCK-1042', priority: 'P1' });
    expect(updated).toMatchObject({ ticket: { ticket_id: 'TCK-1042', priority: 'P1' } });
    expect(prompts).toEqual([expect.stringContaining('Update a ticket with {"priority":"P1","ticket_id":"TCK-1042"}')]);

    const legacy = await connectClient(platform.writer.url, await platform.token('dave', WRITER_SCOPES), 'legacy');
    const refused = await legacy.callTool({ name: 'update_ticket', arguments: { ticket_id: 'TCK-1042', priority: 'P4' } });
    expect(refused).toMatchObject({ isError: true });
    expect(await count("SELECT count(*)::int AS n FROM tickets WHERE id = 'TCK-1042' AND priority = 'P1'")).toBe(1);
    await legacy.close();
  });

  it('runs a high-risk call only after a second person approves it, exactly once, and audits each step', async () => {
    const pending = await call('resolve_incident', { incident_id: 'INC-2031', summary: 'Card payments recovered after the gateway certificate was renewed.' });
    expect(pending).toMatchObject({ status: 'pending_approval', approval_id: expect.any(String) });
    const approvalId = pending.approval_id as string;
    expect(await count("SELECT count(*)::int AS n FROM incidents WHERE id = 'INC-2031' AND status = 'resolved'")).toBe(0);
    expect(await call('get_request_status', { approval_id: approvalId })).toMatchObject({ status: 'pending', requester: 'alice', result: null });

    const listed = await platform.approvalApi('bob', 'GET', '?status=pending');
    expect((listed.body.approvals as { approval_id: string }[]).map((approval) => approval.approval_id)).toContain(approvalId);
    const shown = await platform.approvalApi('bob', 'GET', `/${approvalId}`);
    expect(shown.body).toMatchObject({ tool: 'resolve_incident', arguments: { incident_id: 'INC-2031' } });

    const self = await platform.approvalApi('alice', 'POST', `/${approvalId}/decision`, { decision: 'approve' });
    expect(self).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    const noScope = await platform.approvalApi('carol', 'POST', `/${approvalId}/decision`, { decision: 'approve' }, ['incidents:write']);
    expect(noScope.status).toBe(403);

    const approved = await platform.approvalApi('bob', 'POST', `/${approvalId}/decision`, { decision: 'approve' });
    expect(approved).toMatchObject({ status: 200, body: { status: 'executed', decided_by: 'bob', result: { incident_id: 'INC-2031', status: 'resolved' } } });
    expect(await count("SELECT count(*)::int AS n FROM incidents WHERE id = 'INC-2031' AND status = 'resolved'")).toBe(1);
    const replay = await platform.approvalApi('carol', 'POST', `/${approvalId}/decision`, { decision: 'approve' });
    expect(replay).toMatchObject({ status: 409 });
    expect(await count("SELECT count(*)::int AS n FROM incident_timeline WHERE incident_id = 'INC-2031' AND kind = 'resolved'")).toBe(1);
    expect(await call('get_request_status', { approval_id: approvalId })).toMatchObject({ status: 'executed', decided_by: 'bob' });

    // What would fail anyway never reaches an approver.
    const pendingBefore = ((await platform.approvalApi('bob', 'GET', '?status=pending')).body.approvals as unknown[]).length;
    for (const [args, message] of [
      [{ incident_id: 'INC-2031' }, 'Incident INC-2031 is already resolved. No approval was requested.'],
      [{ incident_id: 'INC-9999' }, 'Incident INC-9999 does not exist. No approval was requested.'],
    ] as const) {
      const refused = await alice.callTool({ name: 'resolve_incident', arguments: args });
      expect(refused).toMatchObject({ isError: true, content: [{ text: message }] });
    }
    expect(((await platform.approvalApi('bob', 'GET', '?status=pending')).body.approvals as unknown[]).length).toBe(pendingBefore);

    const { records } = await platform.auditStore.query({ since: new Date(Date.now() - 600_000), limit: 200 });
    const trail = records.filter((record) => record.approval_id === approvalId).map((record) => `${record.event}:${record.actor?.subject ?? '-'}:${record.decision}`);
    // The refused attempts (alice on her own request, carol without the scope, carol's replay) are in the trail too.
    expect(trail.sort()).toEqual(
      [
        'approval_requested:alice:allowed',
        'approval_decided:alice:denied',
        'approval_decided:carol:denied',
        'approval_decided:bob:allowed',
        'approval_executed:alice:allowed',
        'approval_decided:carol:denied',
      ].sort(),
    );
  });

  it('never runs a rejected request; a rejection needs a reason', async () => {
    const pending = await call('close_ticket_as_wont_fix', { ticket_id: 'TCK-1042', reason: 'Superseded by the new VPN gateway rollout' });
    const approvalId = pending.approval_id as string;
    expect(await platform.approvalApi('bob', 'POST', `/${approvalId}/decision`, { decision: 'reject' })).toMatchObject({ status: 400 });
    const rejected = await platform.approvalApi('bob', 'POST', `/${approvalId}/decision`, { decision: 'reject', reason: 'Users are still affected' });
    expect(rejected.body).toMatchObject({ status: 'rejected', reason: 'Users are still affected' });
    expect(await count("SELECT count(*)::int AS n FROM tickets WHERE id = 'TCK-1042' AND status = 'in_progress'")).toBe(1);
  });
});
