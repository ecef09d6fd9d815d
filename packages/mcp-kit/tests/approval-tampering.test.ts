import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { startLocalDynamoDb, type LocalDynamoDb } from '@gmcp/local-aws';
import { createDynamoDbClient, ensureTables } from '../src/aws/clients';
import { createAuditTrail } from '../src/audit/audit-trail';
import { createDynamoDbAuditStore } from '../src/audit/dynamodb-audit-store';
import { auditTableDefinition } from '../src/audit/audit-table';
import { createRecordSigner } from '../src/audit/signer';
import { createLogger } from '../src/logging/logger';
import { createMemoryMetrics } from '../src/metrics/memory-metrics';
import { bindArguments, createDecisionSigner } from '../src/approvals/approval-signer';
import { createHash } from 'node:crypto';
import { auditItemKey } from '../src/audit/dynamodb-audit-store';
import { approvalTableDefinition, createDynamoDbApprovalStore } from '../src/approvals/dynamodb-approval-store';
import { createApprovals, type Approvals } from '../src/approvals/approvals';
import { createLocalWorkflow } from '../src/approvals/local-workflow';
import type { ApprovalStore } from '../src/approvals/approval-store';
import { requestStatusView } from '../src/approvals/request-status-tool';
import type { Actor } from '../src/auth/actor';

/**
 * What an intruder with write access to the approvals table (and no signing key) can do to a
 * request, and what the platform does about it. Everything runs against dynalite.
 */
const actor = (subject: string, scopes: string[] = [], clientId = 'approval-console'): Actor => ({ subject, clientId, scopes: new Set(scopes), issuer: 'test', expiresAt: 0 });
const alice = actor('alice');
const bob = actor('bob', ['approvals:decide']);
const carol = actor('carol', ['approvals:decide']);

let dynamodb: LocalDynamoDb;
let approvals: Approvals;
let store: ApprovalStore;
const runs: string[] = [];
let counter = 0;
const client = () => createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint });

beforeAll(async () => {
  dynamodb = await startLocalDynamoDb();
  await ensureTables(client(), [approvalTableDefinition('approvals'), auditTableDefinition('audit')]);
  store = createDynamoDbApprovalStore(client(), 'approvals');
  const logger = createLogger('test', 'SILENT');
  const auditStore = createDynamoDbAuditStore(client(), 'audit');
  const auditSigner = createRecordSigner(Buffer.alloc(32, 1));
  const audit = createAuditTrail({ server: 'ops-writer', serverVersion: '1', store: auditStore, signer: auditSigner, metrics: createMemoryMetrics(), logger });
  const run = (approvalId: string) =>
    approvals.execute(approvalId, async (request) => {
      runs.push(request.approval_id);
      return { ok: true, result: '{"done":true}' };
    });
  approvals = createApprovals({
    server: 'ops-writer',
    store,
    workflow: createLocalWorkflow(run),
    signer: createDecisionSigner(Buffer.alloc(32, 7)),
    audit,
    auditStore,
    auditSigner,
    logger,
    ttlSeconds: 600,
    approverClientIds: ['approval-console'],
  });
});
afterAll(() => dynamodb.stop());

const request = (input: unknown = { incident_id: `INC-${(counter += 1)}` }, requester: Actor = alice) =>
  approvals.request({ tool: 'resolve_incident', input, actor: requester, requestId: 'r' });
const decide = (approvalId: string, approver: Actor, decision: 'approved' | 'rejected' = 'approved') =>
  approvals.decide(approvalId, { approver, decision, reason: decision === 'rejected' ? 'Customer impact still ongoing' : null, requestId: 'r' });
/** Edits the stored item as an intruder would, with no key. */
const edit = (approvalId: string, update: string, values: Record<string, unknown> = {}) =>
  client().send(
    new UpdateItemCommand({
      TableName: 'approvals',
      Key: marshall({ approval_id: approvalId }),
      UpdateExpression: update,
      ExpressionAttributeNames: update.includes('#status') ? { '#status': 'status' } : undefined,
      ExpressionAttributeValues: Object.keys(values).length ? marshall(values) : undefined,
    }),
  );
const statusOf = async (approvalId: string) => {
  const stored = (await store.get(approvalId))!;
  return requestStatusView(stored, approvals.integrity(stored));
};

describe('a rejected request cannot be reopened', () => {
  it('set back to pending with its history kept: shown as tampered, refused to every approver', async () => {
    const { approval_id } = await request();
    await decide(approval_id, bob, 'rejected');
    await edit(approval_id, 'SET #status = :pending, decision = :none', { ':pending': 'pending', ':none': null });
    expect(await statusOf(approval_id)).toMatchObject({ status: 'tampered', tampered: 'its decision is not the one its history records' });
    await expect(decide(approval_id, carol)).rejects.toThrow(/has been tampered with and cannot be decided/);
    // With the decision left in place, the status alone disagrees with the history.
    const other = await request();
    await decide(other.approval_id, bob, 'rejected');
    await edit(other.approval_id, 'SET #status = :pending', { ':pending': 'pending' });
    expect((await statusOf(other.approval_id)).tampered).toBe('it is marked pending, but its signed history ends rejected');
    await expect(decide(other.approval_id, carol)).rejects.toThrow(/it is marked pending, but its signed history ends rejected/);
    expect(runs).not.toContain(approval_id);
  });

  it('set back to pending with its history removed: the audit trail still has the rejection, so approving it is refused', async () => {
    const { approval_id } = await request();
    await decide(approval_id, bob, 'rejected');
    await edit(approval_id, 'SET #status = :pending, decision = :none REMOVE transitions', { ':pending': 'pending', ':none': null });
    expect((await statusOf(approval_id)).status).toBe('pending');
    await expect(decide(approval_id, carol)).rejects.toThrow(/cannot be approved: the audit trail shows it rejected/);
    expect(runs).not.toContain(approval_id);
  });

  it('an executed request set back to approved never runs again, with or without its history', async () => {
    const { approval_id } = await request();
    await decide(approval_id, bob);
    expect(runs.filter((id) => id === approval_id)).toHaveLength(1);
    const executed = (await store.get(approval_id))!;
    await edit(approval_id, 'SET #status = :approved', { ':approved': 'approved' });
    await expect(approvals.execute(approval_id, async () => ({ ok: true, result: '{}' }))).rejects.toThrow(/it is marked approved, but its signed history ends executed/);
    await edit(approval_id, 'SET transitions = :first', { ':first': executed.transitions.slice(0, 1) });
    await expect(approvals.execute(approval_id, async () => ({ ok: true, result: '{}' }))).rejects.toThrow(/the audit trail shows it already executed/);
    expect(runs.filter((id) => id === approval_id)).toHaveLength(1);
  });

  it('a forged transition (no key) breaks the chain', async () => {
    const { approval_id } = await request();
    await decide(approval_id, bob, 'rejected');
    const rejected = (await store.get(approval_id))!;
    const forged = { ...rejected.transitions[0]!, status: 'approved' };
    await edit(approval_id, 'SET #status = :approved, transitions = :forged', { ':approved': 'approved', ':forged': [forged] });
    expect((await statusOf(approval_id)).tampered).toBe('its history of status changes has been altered in the store');
  });
});

describe('decisions and audit records edited or forged', () => {
  it('a rejection whose reason or approver was rewritten is shown as tampered', async () => {
    const { approval_id } = await request();
    await decide(approval_id, bob, 'rejected');
    await edit(approval_id, 'SET decision.reason = :reason', { ':reason': 'Approved by the CTO' });
    expect((await statusOf(approval_id)).tampered).toBe('its decision (approver, reason or time) has been altered in the store');
  });

  it('a closing record signed with another key (another server) closes nothing', async () => {
    const { approval_id } = await request();
    const forger = createAuditTrail({ server: 'ops-writer', serverVersion: '1', store: createDynamoDbAuditStore(client(), 'audit'), signer: createRecordSigner(Buffer.alloc(32, 2)), metrics: createMemoryMetrics(), logger: createLogger('t', 'SILENT') });
    await forger.record({ event: 'approval_decided', decision: 'denied', reason: 'rejected: forged', origin: { requestId: 'x' }, tool: 'resolve_incident', approvalId: approval_id });
    await decide(approval_id, bob);
    expect(runs).toContain(approval_id);
  });

  it('an audit item of the request that is not a record as written stops its approval (fail closed)', async () => {
    const { approval_id } = await request();
    const [record] = (await createDynamoDbAuditStore(client(), 'audit').query({ tool: 'resolve_incident', approvalId: approval_id, since: new Date(Date.now() - 60_000), limit: 10 })).records;
    await client().send(new UpdateItemCommand({ TableName: 'audit', Key: auditItemKey(record!), UpdateExpression: 'SET #event = :event', ExpressionAttributeNames: { '#event': 'event' }, ExpressionAttributeValues: marshall({ ':event': 'no_such_event' }) }));
    await expect(decide(approval_id, bob)).rejects.toThrow(/the audit trail shows it tampered with/);
    expect(runs).not.toContain(approval_id);
  });

  it('a reservation pointing at someone else’s request is not followed', async () => {
    const input = { incident_id: 'INC-8100' };
    const alices = await request(input);
    const key = createHash('sha256').update(JSON.stringify(['ops-writer', 'resolve_incident', 'dave', bindArguments(input).argumentsHash])).digest('hex');
    await store.reservePending(key, { approval_id: alices.approval_id, expires_at: alices.expires_at, reserved_at: new Date().toISOString() }, undefined);
    const daves = await request(input, actor('dave'));
    expect(daves.approval_id).not.toBe(alices.approval_id);
  });
});

describe('stored arguments that no longer match their signed hash', () => {
  it('are shown as tampered and cannot be decided', async () => {
    const { approval_id } = await request({ incident_id: 'INC-7001' });
    await edit(approval_id, 'SET arguments = :other', { ':other': JSON.stringify({ incident_id: 'INC-9999' }) });
    expect(await statusOf(approval_id)).toMatchObject({ status: 'tampered', tampered: 'its arguments differ from those requested' });
    await expect(decide(approval_id, bob)).rejects.toMatchObject({ kind: 'conflict', message: expect.stringContaining('its arguments differ from those requested') });
    expect(runs).not.toContain(approval_id);
  });
});

describe('the same change requested again', () => {
  it('returns the pending request instead of a new one, per requester, tool and arguments', async () => {
    const input = { incident_id: 'INC-8001', summary: 'fixed' };
    const ids = [];
    for (let call = 0; call < 4; call += 1) ids.push((await request(input)).approval_id);
    expect(new Set(ids).size).toBe(1);
    expect((await request({ ...input, summary: 'other' })).approval_id).not.toBe(ids[0]);
    expect((await request(input, actor('dave'))).approval_id).not.toBe(ids[0]);
  });

  it('asks again once the earlier one is decided', async () => {
    const input = { incident_id: 'INC-8002' };
    const first = await request(input);
    await decide(first.approval_id, bob, 'rejected');
    const second = await request(input);
    expect(second.approval_id).not.toBe(first.approval_id);
    expect((await request(input)).approval_id).toBe(second.approval_id);
  });

  it('records one request when identical calls race', async () => {
    const input = { incident_id: 'INC-8003' };
    const answers = await Promise.all([1, 2, 3, 4].map(() => request(input)));
    expect(new Set(answers.map((answer) => answer.approval_id)).size).toBe(1);
  });
});

describe('who may read a request', () => {
  it('its requester, and approvers only through an approver client', async () => {
    const { approval_id } = await request();
    const stored = (await store.get(approval_id))!;
    expect(approvals.visibleTo(stored, alice)).toBe(true);
    expect(approvals.visibleTo(stored, bob)).toBe(true);
    expect(approvals.visibleTo(stored, actor('bob', ['approvals:decide'], 'claude-desktop'))).toBe(false);
    expect(approvals.visibleTo(stored, actor('mallory', ['approvals:read']))).toBe(false);
  });
});

describe('subjects that differ only in case', () => {
  it('count as the same person for four-eyes: ALICE cannot decide alice’s request', async () => {
    const { approval_id } = await request();
    await expect(decide(approval_id, actor('ALICE', ['approvals:decide']))).rejects.toThrow('The requester cannot approve or reject their own request');
    expect(runs).not.toContain(approval_id);
  });
});
