import { DeleteItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { startLocalDynamoDb, type LocalDynamoDb } from '@gmcp/local-aws';
import { createDynamoDbClient, ensureTables } from '../src/aws/clients';
import { createAuditTrail } from '../src/audit/audit-trail';
import { createDynamoDbAuditStore } from '../src/audit/dynamodb-audit-store';
import { auditTableDefinition } from '../src/audit/audit-table';
import { createRecordSigner } from '../src/audit/signer';
import { createLogger } from '../src/logging/logger';
import { createMemoryMetrics } from '../src/metrics/memory-metrics';
import { createDecisionSigner } from '../src/approvals/approval-signer';
import { approvalTableDefinition, createDynamoDbApprovalStore } from '../src/approvals/dynamodb-approval-store';
import { createApprovals, executionRefusal, type Approvals } from '../src/approvals/approvals';
import { createLocalWorkflow } from '../src/approvals/local-workflow';
import { nextTransition } from '../src/approvals/approval-history';
import type { ApprovalDecision, ApprovalRequest } from '../src/approvals/approval-request';
import type { Actor } from '../src/auth/actor';

const actor = (subject: string, scopes: string[] = []): Actor => ({ subject, clientId: 'test', scopes, claims: {} }) as unknown as Actor;
const alice = actor('alice');
const bob = actor('bob', ['approvals:decide']);
const carol = actor('carol', ['approvals:decide']);

describe('approvals on the DynamoDB store (dynalite)', () => {
  let dynamodb: LocalDynamoDb;
  let approvals: Approvals;
  let now: Date;
  const runs: { approvalId: string; input: unknown }[] = [];
  const client = () => createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint });
  const signer = createDecisionSigner(Buffer.alloc(32, 7));

  beforeAll(async () => {
    dynamodb = await startLocalDynamoDb();
    await ensureTables(client(), [approvalTableDefinition('approvals'), auditTableDefinition('audit')]);
    now = new Date('2026-11-25T12:00:00Z');
    const store = createDynamoDbApprovalStore(client(), 'approvals');
    const logger = createLogger('test', 'SILENT');
    const audit = createAuditTrail({ server: 'ops-writer', serverVersion: '1', store: createDynamoDbAuditStore(client(), 'audit'), signer: createRecordSigner(Buffer.alloc(32, 1)), metrics: createMemoryMetrics(), logger });
    const run = async (approvalId: string) =>
      approvals.execute(approvalId, async (request, input) => {
        runs.push({ approvalId: request.approval_id, input });
        return { ok: true, result: JSON.stringify({ done: true }) };
      });
    approvals = createApprovals({ server: 'ops-writer', store, workflow: createLocalWorkflow(run), signer, audit, auditStore: createDynamoDbAuditStore(client(), 'audit'), auditSigner: createRecordSigner(Buffer.alloc(32, 1)), logger, ttlSeconds: 600, clock: () => now });
  });
  afterAll(() => dynamodb.stop());

  const request = (input: unknown = { incident_id: 'INC-2031', summary: 'fixed' }) => approvals.request({ tool: 'resolve_incident', input, actor: alice, requestId: 'req-1' });
  const runsOf = (approvalId: string) => runs.filter((entry) => entry.approvalId === approvalId).length;
  /** The transition a decision made on the store directly needs (as the kit would sign it). */
  const decidedBy = (stored: ApprovalRequest, decision: ApprovalDecision) => nextTransition(stored, signer, { status: decision.decision, at: now, by: decision.approver, decisionSignature: decision.signature });

  it('answers at once with a pending approval, and runs the call exactly once after approval', async () => {
    const pending = await request();
    expect(pending).toMatchObject({ status: 'pending_approval', expires_at: '2026-11-25T12:10:00.000Z' });
    expect(runsOf(pending.approval_id)).toBe(0);
    const decided = await approvals.decide(pending.approval_id, { approver: bob, decision: 'approved', reason: null, requestId: 'req-2' });
    expect(decided).toMatchObject({ status: 'executed', result: '{"done":true}', decision: { approver: 'bob', decision: 'approved' } });
    expect(runs.find((entry) => entry.approvalId === pending.approval_id)!.input).toEqual({ incident_id: 'INC-2031', summary: 'fixed' });
    // Replaying the approval, or executing again, runs nothing.
    await expect(approvals.decide(pending.approval_id, { approver: carol, decision: 'approved', reason: null, requestId: 'req-3' })).rejects.toThrow(/is executed, not pending/);
    await expect(approvals.execute(pending.approval_id, async () => ({ ok: true, result: '{}' }))).rejects.toThrow(/cannot run: it is executed/);
    expect(runsOf(pending.approval_id)).toBe(1);
  });

  it('never runs a rejected request, and a rejection needs a reason', async () => {
    const pending = await request();
    await expect(approvals.decide(pending.approval_id, { approver: bob, decision: 'rejected', reason: ' ', requestId: 'r' })).rejects.toThrow('A rejection needs a reason');
    const rejected = await approvals.decide(pending.approval_id, { approver: bob, decision: 'rejected', reason: 'Customer impact still ongoing', requestId: 'r' });
    expect(rejected).toMatchObject({ status: 'rejected', decision: { reason: 'Customer impact still ongoing' } });
    await expect(approvals.execute(pending.approval_id, async () => ({ ok: true, result: '{}' }))).rejects.toThrow(/it is rejected/);
    expect(runsOf(pending.approval_id)).toBe(0);
  });

  it('refuses self-approval', async () => {
    const pending = await request();
    await expect(approvals.decide(pending.approval_id, { approver: alice, decision: 'approved', reason: null, requestId: 'r' })).rejects.toThrow('The requester cannot approve or reject their own request');
    expect((await approvals.status(pending.approval_id))!.status).toBe('pending');
  });

  it('expires an undecided request, which then can neither be approved nor run', async () => {
    const pending = await request();
    now = new Date(now.getTime() + 601_000);
    try {
      expect((await approvals.status(pending.approval_id))!.status).toBe('expired');
      await expect(approvals.decide(pending.approval_id, { approver: bob, decision: 'approved', reason: null, requestId: 'r' })).rejects.toThrow(/is expired/);
      expect(runsOf(pending.approval_id)).toBe(0);
    } finally {
      now = new Date('2026-11-25T12:00:00Z');
    }
  });

  it('lets only one of two racing approvers win, and runs the call once', async () => {
    const pending = await request();
    const results = await Promise.allSettled([
      approvals.decide(pending.approval_id, { approver: bob, decision: 'approved', reason: null, requestId: 'r1' }),
      approvals.decide(pending.approval_id, { approver: carol, decision: 'approved', reason: null, requestId: 'r2' }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(runsOf(pending.approval_id)).toBe(1);
  });

  it('refuses to run a request whose stored fields or approval were tampered with', async () => {
    const store = createDynamoDbApprovalStore(client(), 'approvals');
    const pending = await request({ incident_id: 'INC-2040', summary: 'x' });
    // Approve without running: decide on the store directly with a properly signed decision.
    const stored = (await store.get(pending.approval_id))!;
    const decision = signer.sign({ approval_id: stored.approval_id, arguments_hash: stored.arguments_hash, request_signature: stored.request_signature, approver: 'bob', decision: 'approved', reason: null, decided_at: now.toISOString() });
    expect(await store.decide(pending.approval_id, decision, now, decidedBy(stored, decision))).toMatchObject({ status: 'approved' });
    const approved = (await store.get(pending.approval_id))!;
    expect(executionRefusal(approved, signer, now)).toBeUndefined();

    const refusals = {
      arguments: { ...approved, arguments: JSON.stringify({ incident_id: 'INC-2031', summary: 'x' }) },
      tool: { ...approved, tool: 'close_ticket_as_wont_fix' },
      requester: { ...approved, requester: 'mallory' },
      expiry: { ...approved, expires_at: '2030-01-01T00:00:00.000Z' },
      server: { ...approved, server: 'policy-reader' },
      approver: { ...approved, decision: { ...approved.decision!, approver: 'mallory' } },
      otherRequest: { ...approved, decision: signer.sign({ ...decision, approval_id: 'another', signature: undefined } as never) },
    };
    expect(Object.fromEntries(Object.entries(refusals).map(([field, edited]) => [field, executionRefusal(edited, signer, now)]))).toEqual({
      arguments: 'its arguments differ from those requested',
      tool: 'the request has been altered in the store',
      requester: 'the request has been altered in the store',
      expiry: 'the request has been altered in the store',
      server: 'the request has been altered in the store',
      approver: 'its decision (approver, reason or time) has been altered in the store',
      otherRequest: 'its decision is not the one its history records',
    });
    expect(executionRefusal(approved, signer, new Date(Date.parse(approved.expires_at) + 16 * 60_000))).toBe('it was not run in time');

    // Edit the stored tool in the table itself: the executor refuses and nothing runs.
    await client().send(
      new UpdateItemCommand({ TableName: 'approvals', Key: marshall({ approval_id: pending.approval_id }), UpdateExpression: 'SET tool = :t', ExpressionAttributeValues: marshall({ ':t': 'close_ticket_as_wont_fix' }) }),
    );
    await expect(approvals.execute(pending.approval_id, async () => ({ ok: true, result: '{}' }))).rejects.toThrow(/the request has been altered in the store/);
    expect(runsOf(pending.approval_id)).toBe(0);
    await client().send(new DeleteItemCommand({ TableName: 'approvals', Key: marshall({ approval_id: pending.approval_id }) }));
  });

  it('refuses a decision on a request whose requester was edited in the store', async () => {
    const pending = await request();
    await client().send(
      new UpdateItemCommand({ TableName: 'approvals', Key: marshall({ approval_id: pending.approval_id }), UpdateExpression: 'SET requester = :r', ExpressionAttributeValues: marshall({ ':r': 'mallory' }) }),
    );
    await expect(approvals.decide(pending.approval_id, { approver: alice, decision: 'approved', reason: null, requestId: 'r' })).rejects.toThrow(/has been altered in the store/);
    expect(runsOf(pending.approval_id)).toBe(0);
  });

  it('runs an approved request once when two executors race for it', async () => {
    const store = createDynamoDbApprovalStore(client(), 'approvals');
    const pending = await request();
    const stored = (await store.get(pending.approval_id))!;
    const decision = signer.sign({ approval_id: stored.approval_id, arguments_hash: stored.arguments_hash, request_signature: stored.request_signature, approver: 'bob', decision: 'approved', reason: null, decided_at: now.toISOString() });
    await store.decide(pending.approval_id, decision, now, decidedBy(stored, decision));
    const runner = async (entry: { approval_id: string }) => {
      runs.push({ approvalId: entry.approval_id, input: null });
      return { ok: true, result: '{}' };
    };
    const results = await Promise.allSettled([approvals.execute(pending.approval_id, runner), approvals.execute(pending.approval_id, runner), approvals.execute(pending.approval_id, runner)]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(runsOf(pending.approval_id)).toBe(1);
  });

  it('lets the approver repeat a decision whose delivery failed, and runs it once', async () => {
    let failNext = true;
    const delivered: string[] = [];
    const flaky = createApprovals({
      server: 'ops-writer',
      store: createDynamoDbApprovalStore(client(), 'approvals'),
      signer,
      audit: createAuditTrail({ server: 'ops-writer', serverVersion: '1', store: createDynamoDbAuditStore(client(), 'audit'), signer: createRecordSigner(Buffer.alloc(32, 1)), metrics: createMemoryMetrics(), logger: createLogger('test', 'SILENT') }),
      auditStore: createDynamoDbAuditStore(client(), 'audit'),
      auditSigner: createRecordSigner(Buffer.alloc(32, 1)),
      logger: createLogger('test', 'SILENT'),
      ttlSeconds: 600,
      clock: () => now,
      workflow: {
        start: async (request) => ({ workflowRef: `flaky:${request.approval_id}`, taskToken: `token:${request.approval_id}` }),
        deliver: async (decision) => {
          if (failNext) {
            failNext = false;
            throw new Error('ThrottlingException');
          }
          delivered.push(decision.approval_id);
        },
      },
    });
    const pending = await flaky.request({ tool: 'resolve_incident', input: { incident_id: 'INC-2031' }, actor: alice, requestId: 'r' });
    await expect(flaky.decide(pending.approval_id, { approver: bob, decision: 'approved', reason: null, requestId: 'r' })).rejects.toThrow('ThrottlingException');
    expect((await flaky.status(pending.approval_id))!.status).toBe('approved');
    await expect(flaky.decide(pending.approval_id, { approver: carol, decision: 'approved', reason: null, requestId: 'r' })).rejects.toThrow(/is approved, not pending/);
    await flaky.decide(pending.approval_id, { approver: bob, decision: 'approved', reason: null, requestId: 'r' });
    expect(delivered).toEqual([pending.approval_id]);
  });

  it('audits every step with the approval id', async () => {
    const pending = await request();
    await approvals.decide(pending.approval_id, { approver: bob, decision: 'approved', reason: null, requestId: 'r' });
    const records = await createDynamoDbAuditStore(client(), 'audit').query({ since: new Date(Date.now() - 3_600_000), limit: 500 });
    const events = records.records.filter((record) => record.approval_id === pending.approval_id).map((record) => [record.event, record.actor?.subject ?? null, record.decision]);
    expect(events.sort()).toEqual(
      [
        ['approval_requested', 'alice', 'allowed'],
        ['approval_decided', 'bob', 'allowed'],
        ['approval_executed', 'alice', 'allowed'],
      ].sort(),
    );
  });
});
