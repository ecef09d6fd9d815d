import { SignJWT } from 'jose';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import request from 'supertest';
import { z } from 'zod';
import {
  approvalTableDefinition,
  createDecisionSigner,
  createDynamoDbApprovalStore,
  createDynamoDbClient,
  createLocalWorkflow,
  defineTool,
  ensureTables,
  ToolDefinitionError,
  ToolError,
  type GovernanceAdapters,
  type ToolContext,
} from '../src/platform';
import { mintAccessToken } from '@gmcp/dev-issuer';
import { MCP_HEADERS, jsonRpcBody, pinnable, rpc, startTestGovernance, startTestIssuer, TEST_AUDIENCE, testConfig, testService, type Probe, type TestGovernance, type TestIssuer, wipeVolumeTool } from './support/harness';

const wiped: string[] = [];
const wipeVolume = wipeVolumeTool(wiped);

const snapshots: string[] = [];
const snapshotVolume = defineTool({
  name: 'snapshot_volume',
  title: 'Snapshot a volume',
  description: 'Takes a snapshot of a storage volume.',
  owner: 'storage',
  scope: 'storage:write',
  risk: 'low',
  access: 'write',
  classification: 'internal',
  input: z.object({ volume: z.string().regex(/^vol-\d+$/) }),
  output: z.object({ snapshot: z.string() }),
  handler: async ({ volume }, _ctx: ToolContext<Probe>) => {
    snapshots.push(volume);
    return { snapshot: `${volume}-snap` };
  },
});

const sizes = new Map<string, number>([['vol-21', 10]]);
const resizeVolume = defineTool({
  name: 'resize_volume',
  title: 'Resize a volume',
  description: 'Changes the size of a storage volume.',
  owner: 'storage',
  scope: 'storage:write',
  risk: 'high',
  access: 'write',
  classification: 'internal',
  input: z.object({ volume: z.string().regex(/^vol-\d+$/), size_gib: z.number().int().min(1) }),
  output: z.object({ size_gib: z.number() }),
  precheck: async ({ volume, size_gib }) => {
    const current = sizes.get(volume);
    if (current === undefined) throw new ToolError(`Volume ${volume} does not exist.`);
    return [{ field: 'size_gib', current: String(current), proposed: String(size_gib) }];
  },
  handler: async ({ volume, size_gib }, _ctx: ToolContext<Probe>) => (sizes.set(volume, size_gib), { size_gib }),
});

const tagged: string[] = [];
const tagVolume = defineTool({
  name: 'tag_volume',
  title: 'Tag a volume',
  description: 'Sets the tag of a storage volume.',
  owner: 'storage',
  scope: 'storage:write',
  risk: 'medium',
  access: 'write',
  classification: 'internal',
  input: z.object({ volume: z.string().regex(/^vol-\d+$/), tag: z.string().max(20) }),
  output: z.object({ tagged: z.string() }),
  handler: async ({ volume, tag }, _ctx: ToolContext<Probe>) => (tagged.push(`${volume}:${tag}`), { tagged: tag }),
});

describe('a service with a high-risk tool', () => {
  const notified: { approval_id: string; tool: string }[] = [];
  const notifier = { notify: async (request: { approval_id: string; tool: string }) => void notified.push({ approval_id: request.approval_id, tool: request.tool }) };
  let issuer: TestIssuer;
  let governance: TestGovernance;
  let app: ReturnType<typeof testService>['app'];
  let approvalAdapters: NonNullable<GovernanceAdapters['approvals']>;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    governance = await startTestGovernance();
    // The deployment's policy raises snapshot_volume (declared low) to high.
    pinnable([snapshotVolume]);
    governance.setPolicy({ tools: [{ name: 'wipe_volume' }, { name: 'get_request_status' }, { name: 'snapshot_volume', risk: 'high' }] });
    const client = createDynamoDbClient({ region: 'local', endpoint: governance.dynamodb.endpoint });
    await ensureTables(client, [approvalTableDefinition('approvals')]);
    approvalAdapters = {
      store: createDynamoDbApprovalStore(client, 'approvals'),
      signer: createDecisionSigner(Buffer.alloc(32, 9)),
      ttlSeconds: 600,
      workflow: (runApproved: (approvalId: string) => Promise<unknown>) => createLocalWorkflow(runApproved, notifier),
      notifier,
    };
    const adapters = { ...governance.adapters, approvals: approvalAdapters };
    app = testService(testConfig(issuer.issuer.issuer), { calls: 0 } as unknown as Probe, adapters, { access: 'write', tools: [wipeVolume, snapshotVolume] }).app;
  });
  afterAll(async () => {
    await governance.stop();
    await issuer.stop();
  });

  const mcp = async (sub: string, scopes: string[], method: string, params: Record<string, unknown>) => {
    const response = await request(app).post('/mcp').set(MCP_HEADERS).set('Authorization', `Bearer ${await issuer.token({ sub, scopes })}`).send(rpc(method, params));
    return jsonRpcBody(response);
  };

  it('lets the policy raise a tool to high risk: it then waits for approval too', async () => {
    const listed = await mcp('alice', ['storage:write'], 'tools/list', {});
    const snapshot = (listed.result!.tools as { name: string; annotations: Record<string, unknown>; outputSchema: Record<string, unknown> }[]).find((tool) => tool.name === 'snapshot_volume')!;
    expect(snapshot.annotations).toMatchObject({ destructiveHint: true });
    expect(snapshot.outputSchema).toMatchObject({ properties: { status: { const: 'pending_approval' } } });
    const called = await mcp('alice', ['storage:write'], 'tools/call', { name: 'snapshot_volume', arguments: { volume: 'vol-8' } });
    const pending = called.result!.structuredContent as { status: string; approval_id: string };
    expect(pending.status).toBe('pending_approval');
    expect(snapshots).toEqual([]);
    const approved = await request(app).post(`/approvals/${pending.approval_id}/decision`).set('Authorization', `Bearer ${await issuer.token({ sub: 'bob', scopes: ['approvals:decide'] })}`).send({ decision: 'approve' });
    expect(approved.body).toMatchObject({ status: 'executed', result: { snapshot: 'vol-8-snap' } });
    expect(snapshots).toEqual(['vol-8']);
  });

  it('takes decisions only through the configured approver clients when they are set', async () => {
    const adapters = { ...governance.adapters, approvals: { ...approvalAdapters, approverClientIds: ['approval-console'] } };
    const strict = testService(testConfig(issuer.issuer.issuer), {} as Probe, adapters, { access: 'write', tools: [wipeVolume] }).app;
    const called = await request(strict).post('/mcp').set(MCP_HEADERS).set('Authorization', `Bearer ${await issuer.token({ sub: 'alice', scopes: ['storage:write'] })}`).send(rpc('tools/call', { name: 'wipe_volume', arguments: { volume: 'vol-11' } }));
    const { approval_id } = jsonRpcBody(called).result!.structuredContent as { approval_id: string };
    const tokenFor = (clientId: string) => mintAccessToken(issuer.key, { issuer: issuer.issuer.issuer, subject: 'bob', audience: TEST_AUDIENCE, scopes: ['approvals:decide'], clientId, ttlSeconds: 60 });
    const assistant = await request(strict).post(`/approvals/${approval_id}/decision`).set('Authorization', `Bearer ${await tokenFor('claude-desktop')}`).send({ decision: 'approve' });
    expect(assistant).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    const console = await request(strict).post(`/approvals/${approval_id}/decision`).set('Authorization', `Bearer ${await tokenFor('approval-console')}`).send({ decision: 'approve' });
    expect(console.body).toMatchObject({ status: 'executed' });
    expect(wiped).toContain('vol-11');
  });

  it('shows others’ requests to approvers only through the approver clients', async () => {
    const adapters = { ...governance.adapters, approvals: { ...approvalAdapters, approverClientIds: ['approval-console'] } };
    const strict = testService(testConfig(issuer.issuer.issuer), {} as Probe, adapters, { access: 'write', tools: [wipeVolume] }).app;
    const call = async (token: string, name: string, args: Record<string, unknown>) =>
      jsonRpcBody(await request(strict).post('/mcp').set(MCP_HEADERS).set('Authorization', `Bearer ${token}`).send(rpc('tools/call', { name, arguments: args })));
    const called = await call(await issuer.token({ sub: 'alice', scopes: ['storage:write'] }), 'wipe_volume', { volume: 'vol-13' });
    const { approval_id } = called.result!.structuredContent as { approval_id: string };
    const tokenFor = (clientId: string) => mintAccessToken(issuer.key, { issuer: issuer.issuer.issuer, subject: 'bob', audience: TEST_AUDIENCE, scopes: ['approvals:read', 'approvals:decide'], clientId, ttlSeconds: 60 });
    const throughAssistant = await call(await tokenFor('claude-desktop'), 'get_request_status', { approval_id });
    expect(throughAssistant.result).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('of yours') }] });
    const throughConsole = await call(await tokenFor('approval-console'), 'get_request_status', { approval_id });
    expect(throughConsole.result!.structuredContent).toMatchObject({ status: 'pending', requester: 'alice' });
  });

  it('answers a decision on a tampered request with the refusal, and shows it as tampered', async () => {
    const called = await mcp('alice', ['storage:write'], 'tools/call', { name: 'wipe_volume', arguments: { volume: 'vol-14' } });
    const { approval_id } = called.result!.structuredContent as { approval_id: string };
    const client = createDynamoDbClient({ region: 'local', endpoint: governance.dynamodb.endpoint });
    await client.send(
      new UpdateItemCommand({ TableName: 'approvals', Key: marshall({ approval_id }), UpdateExpression: 'SET arguments = :a', ExpressionAttributeValues: marshall({ ':a': '{"volume":"vol-1"}' }) }),
    );
    const bob = `Bearer ${await issuer.token({ sub: 'bob', scopes: ['approvals:decide'] })}`;
    const shown = await request(app).get(`/approvals/${approval_id}`).set('Authorization', bob).expect(200);
    expect(shown.body).toMatchObject({ status: 'tampered', tampered: 'its arguments differ from those requested' });
    const decided = await request(app).post(`/approvals/${approval_id}/decision`).set('Authorization', bob).send({ decision: 'approve' });
    expect(decided.status).toBe(409);
    expect(decided.body.error_description).toContain('has been tampered with and cannot be decided');
    expect(wiped).not.toContain('vol-1');
    expect(wiped).not.toContain('vol-14');
  });

  it('without an audience in tokens (Cognito), takes assistants only at /mcp and the approvers’ clients only at /approvals', async () => {
    const adapters = { ...governance.adapters, approvals: { ...approvalAdapters, approverClientIds: ['approval-console'] } };
    const config = testConfig(issuer.issuer.issuer, { AUTH_AUDIENCE_CLAIM: 'client_id', AUTH_AUDIENCE: 'wiper-assistants' });
    const cognito = testService(config, {} as Probe, adapters, { access: 'write', tools: [wipeVolume] }).app;
    const now = Math.floor(Date.now() / 1000);
    const tokenFor = (clientId: string, scope: string) =>
      new SignJWT({ iss: issuer.issuer.issuer, sub: clientId === 'approval-console' ? 'bob' : 'alice', client_id: clientId, scope, token_use: 'access', iat: now, exp: now + 60 })
        .setProtectedHeader({ alg: 'RS256', kid: issuer.key.kid })
        .sign(issuer.key.privateKey);
    const called = await request(cognito).post('/mcp').set(MCP_HEADERS).set('Authorization', `Bearer ${await tokenFor('wiper-assistants', 'storage:write')}`).send(rpc('tools/call', { name: 'wipe_volume', arguments: { volume: 'vol-12' } }));
    const { approval_id } = jsonRpcBody(called).result!.structuredContent as { approval_id: string };
    // The assistants' client cannot decide, even with the approver scope; the console cannot call tools.
    const assistant = await request(cognito).post(`/approvals/${approval_id}/decision`).set('Authorization', `Bearer ${await tokenFor('wiper-assistants', 'approvals:decide')}`).send({ decision: 'approve' });
    expect(assistant.status).toBe(401);
    const consoleAtMcp = await request(cognito).post('/mcp').set(MCP_HEADERS).set('Authorization', `Bearer ${await tokenFor('approval-console', 'storage:write')}`).send(rpc('tools/list'));
    expect(consoleAtMcp.status).toBe(401);
    const approved = await request(cognito).post(`/approvals/${approval_id}/decision`).set('Authorization', `Bearer ${await tokenFor('approval-console', 'approvals:decide')}`).send({ decision: 'approve' });
    expect(approved.body).toMatchObject({ status: 'executed', decided_by: 'bob' });
    expect(wiped).toContain('vol-12');
  });

  it('shows approvers a request with its tool and what it would change, read now; requesters list and read their own', async () => {
    pinnable([resizeVolume]);
    governance.setPolicy({ tools: [{ name: 'wipe_volume' }, { name: 'get_request_status' }, { name: 'snapshot_volume', risk: 'high' }, { name: 'resize_volume' }] });
    const resizing = testService(testConfig(issuer.issuer.issuer), {} as Probe, { ...governance.adapters, approvals: approvalAdapters }, { access: 'write', tools: [resizeVolume] }).app;
    const requester = `Bearer ${await issuer.token({ sub: 'dana', scopes: ['storage:write', 'approvals:read'] })}`;
    const approver = `Bearer ${await issuer.token({ sub: 'bob', scopes: ['approvals:decide'] })}`;
    const ids: string[] = [];
    for (const size of [20, 30, 40]) {
      const called = await request(resizing).post('/mcp').set(MCP_HEADERS).set('Authorization', requester).send(rpc('tools/call', { name: 'resize_volume', arguments: { volume: 'vol-21', size_gib: size } }));
      ids.push((jsonRpcBody(called).result!.structuredContent as { approval_id: string }).approval_id);
    }

    const shown = await request(resizing).get(`/approvals/${ids[0]}`).set('Authorization', approver).expect(200);
    expect(shown.body.details).toEqual({
      tool: { title: 'Resize a volume', description: 'Changes the size of a storage volume.', risk: 'high', owner: 'storage', definition_hash: expect.stringMatching(/^sha256:/) },
      requested_definition_hash: shown.body.details.tool.definition_hash,
      definition_changed: false,
      changes: [{ field: 'size_gib', current: '10', proposed: '20' }],
      would_fail: null,
    });
    // What each may do, by the writer's own rules: the approver decides, the requester does not.
    expect(shown.body.viewer).toEqual({ own: false, may_confirm: false, may_decide: true });
    expect((await request(resizing).get(`/approvals/${ids[0]}`).set('Authorization', requester)).body.viewer).toEqual({ own: true, may_confirm: false, may_decide: false });
    // Read at page time: a change made meanwhile shows, and a call that can no longer succeed says why.
    sizes.set('vol-21', 15);
    expect((await request(resizing).get(`/approvals/${ids[0]}`).set('Authorization', approver)).body.details.changes).toEqual([{ field: 'size_gib', current: '15', proposed: '20' }]);
    sizes.delete('vol-21');
    expect((await request(resizing).get(`/approvals/${ids[0]}`).set('Authorization', approver)).body.details).toMatchObject({ changes: null, would_fail: 'Volume vol-21 does not exist.' });
    sizes.set('vol-21', 10);

    // The requester lists and reads their own, without the approver scope, a page at a time; not others'.
    const first = await request(resizing).get('/approvals?mine=true&limit=2').set('Authorization', requester).expect(200);
    expect(first.body.approvals.map((shownRequest: { approval_id: string }) => shownRequest.approval_id)).toEqual([ids[2], ids[1]]);
    const second = await request(resizing).get(`/approvals?mine=true&limit=2&after=${first.body.next}`).set('Authorization', requester).expect(200);
    expect(second.body.approvals.map((shownRequest: { approval_id: string }) => shownRequest.approval_id)).toEqual([ids[0]]);
    await request(resizing).get(`/approvals/${ids[1]}`).set('Authorization', requester).expect(200);
    const stranger = `Bearer ${await issuer.token({ sub: 'mallory', scopes: ['storage:write', 'approvals:read'] })}`;
    expect((await request(resizing).get('/approvals?mine=true').set('Authorization', stranger).expect(200)).body.approvals).toEqual([]);
    await request(resizing).get(`/approvals/${ids[1]}`).set('Authorization', stranger).expect(404);
    await request(resizing).get('/approvals').set('Authorization', requester).expect(403);
    // Without approvals:read, not even one's own (as get_request_status).
    const withoutRead = `Bearer ${await issuer.token({ sub: 'dana', scopes: ['storage:write'] })}`;
    await request(resizing).get('/approvals?mine=true').set('Authorization', withoutRead).expect(403);
    await request(resizing).get(`/approvals/${ids[1]}`).set('Authorization', withoutRead).expect(404);
    // Approvers narrow the pending list on the server: by tool and requester, a full page each time.
    const narrowed = await request(resizing).get('/approvals?status=pending&kind=approval&tool=resize_volume&requester=dana&limit=2').set('Authorization', approver).expect(200);
    expect(narrowed.body.approvals.map((shownRequest: { approval_id: string }) => shownRequest.approval_id)).toEqual([ids[2], ids[1]]);
    expect((await request(resizing).get('/approvals?status=pending&tool=wipe_volume&requester=dana').set('Authorization', approver).expect(200)).body.approvals).toEqual([]);
    // A cursor that was not handed out is refused, not queried.
    const forged = Buffer.from(JSON.stringify({ approval_id: ids[0], status: 'pending', requested_at: '2000-01-01' })).toString('base64url');
    const refused = await request(resizing).get(`/approvals?mine=true&after=${forged}`).set('Authorization', requester);
    expect(refused.status).toBe(400);
    expect(refused.body.error_description).toContain('not one this list handed out');
  });

  it('answers a 2025-era medium-risk call with a console link; only its caller confirms it, through an approver client, and it runs once', async () => {
    pinnable([tagVolume]);
    governance.setPolicy({ tools: [{ name: 'wipe_volume' }, { name: 'get_request_status' }, { name: 'tag_volume' }] });
    const adapters = {
      ...governance.adapters,
      approvals: { ...approvalAdapters, approverClientIds: ['approval-console'] },
      confirmation: { secret: Buffer.alloc(32, 5), ttlSeconds: 120, whenUnsupported: 'link' as const, consoleUrl: 'https://console.example.com/' },
    };
    const linking = testService(testConfig(issuer.issuer.issuer), {} as Probe, adapters, { access: 'write', tools: [tagVolume, wipeVolume] }).app;
    const tokenFor = (sub: string, clientId: string, scopes: string[]) => mintAccessToken(issuer.key, { issuer: issuer.issuer.issuer, subject: sub, audience: TEST_AUDIENCE, scopes, clientId, ttlSeconds: 60 });
    const assistant = `Bearer ${await tokenFor('dana', 'claude-desktop', ['storage:write', 'approvals:read'])}`;
    const call = async (name: string, args: Record<string, unknown>) =>
      jsonRpcBody(await request(linking).post('/mcp').set(MCP_HEADERS).set('Authorization', assistant).send(rpc('tools/call', { name, arguments: args })));

    const asked = await call('tag_volume', { volume: 'vol-31', tag: 'gold' });
    const pending = (asked.result!._meta as Record<string, unknown>)['dev.gmcp/confirmation'] as { status: string; approval_id: string; confirm_url: string };
    expect(asked.result).toMatchObject({ isError: true, content: [{ text: expect.stringContaining(`open https://console.example.com/approvals/${pending.approval_id}`) }] });
    expect(pending).toMatchObject({ status: 'pending_confirmation', confirm_url: `https://console.example.com/approvals/${pending.approval_id}` });
    expect(tagged).toEqual([]);
    // Confirmations are not in the approvers' list; the requester's own view offers the confirmation.
    const approverList = await request(linking).get('/approvals?status=pending&kind=approval').set('Authorization', `Bearer ${await tokenFor('bob', 'approval-console', ['approvals:decide'])}`);
    expect(approverList.body.approvals.map((listed: { approval_id: string }) => listed.approval_id)).not.toContain(pending.approval_id);
    const ownView = await request(linking).get(`/approvals/${pending.approval_id}`).set('Authorization', `Bearer ${await tokenFor('dana', 'approval-console', ['approvals:read'])}`);
    expect(ownView.body).toMatchObject({ kind: 'confirmation', viewer: { own: true, may_confirm: true, may_decide: false } });
    // Asked again, the same pending confirmation answers.
    expect((await call('tag_volume', { volume: 'vol-31', tag: 'gold' })).result!.content).toEqual([{ type: 'text', text: expect.stringContaining(pending.approval_id) }]);
    expect(asked.result!.structuredContent).toBeUndefined();

    const decide = async (token: string) => request(linking).post(`/approvals/${pending.approval_id}/decision`).set('Authorization', `Bearer ${token}`).send({ decision: 'approve' });
    // Not with the token the assistant holds, not by another person (approver or not).
    expect((await decide(await tokenFor('dana', 'claude-desktop', ['storage:write', 'approvals:read']))).status).toBe(403);
    const other = await decide(await tokenFor('bob', 'approval-console', ['approvals:read', 'approvals:decide']));
    expect(other.status).toBe(403);
    expect(other.body.error_description).toContain('Only dana, who asked for this change, can confirm or cancel it');
    expect(tagged).toEqual([]);

    // Someone whose subject only folds to dana's is not dana.
    expect((await decide(await tokenFor('Dana', 'approval-console', ['approvals:read']))).status).toBe(403);
    const confirmed = await decide(await tokenFor('dana', 'approval-console', ['approvals:read']));
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ kind: 'confirmation', status: 'executed', decided_by: 'dana', result: { tagged: 'gold' } });
    expect((await decide(await tokenFor('dana', 'approval-console', ['approvals:read']))).status).toBe(409);
    expect(tagged).toEqual(['vol-31:gold']);
    expect((await call('get_request_status', { approval_id: pending.approval_id })).result!.structuredContent).toMatchObject({ kind: 'confirmation', status: 'executed' });

    // A high-risk request turned into a "confirmation" in the store is tampered: its requester still cannot decide it.
    const high = (await call('wipe_volume', { volume: 'vol-32' })).result!.structuredContent as { approval_id: string };
    const client = createDynamoDbClient({ region: 'local', endpoint: governance.dynamodb.endpoint });
    await client.send(new UpdateItemCommand({ TableName: 'approvals', Key: marshall({ approval_id: high.approval_id }), UpdateExpression: 'SET kind = :k', ExpressionAttributeValues: marshall({ ':k': 'confirmation' }) }));
    const forged = await request(linking).post(`/approvals/${high.approval_id}/decision`).set('Authorization', `Bearer ${await tokenFor('dana', 'approval-console', ['approvals:read'])}`).send({ decision: 'approve' });
    expect(forged.status).toBe(409);
    expect(forged.body.error_description).toContain('has been tampered with');
    expect(wiped).not.toContain('vol-32');
  });

  it('refuses to start when approvals are not configured', () => {
    expect(() => testService(testConfig(issuer.issuer.issuer), {} as Probe, governance.adapters, { access: 'write', tools: [wipeVolume] })).toThrow(
      new ToolDefinitionError('High-risk tools (wipe_volume) need approvals: configure APPROVAL_HMAC_KEY (and the approval workflow)'),
    );
  });

  it('answers a high-risk call with a pending approval and runs it once a second person approves', async () => {
    const called = await mcp('alice', ['storage:write', 'approvals:read'], 'tools/call', { name: 'wipe_volume', arguments: { volume: 'vol-7' } });
    const pending = called.result!.structuredContent as { status: string; approval_id: string };
    expect(pending.status).toBe('pending_approval');
    expect(wiped).not.toContain('vol-7');
    expect(notified).toContainEqual({ approval_id: pending.approval_id, tool: 'wipe_volume' });

    const status = await mcp('alice', ['storage:write', 'approvals:read'], 'tools/call', { name: 'get_request_status', arguments: { approval_id: pending.approval_id } });
    expect(status.result!.structuredContent).toMatchObject({ status: 'pending', requester: 'alice' });
    const stranger = await mcp('mallory', ['approvals:read'], 'tools/call', { name: 'get_request_status', arguments: { approval_id: pending.approval_id } });
    expect(stranger.result).toMatchObject({ isError: true });

    const token = (sub: string, scopes: string[]) => issuer.token({ sub, scopes });
    const noScope = await request(app).get('/approvals').set('Authorization', `Bearer ${await token('bob', ['storage:write'])}`);
    expect(noScope.status).toBe(403);
    const noScopeDecision = await request(app).post(`/approvals/${pending.approval_id}/decision`).set('Authorization', `Bearer ${await token('eve', ['storage:write'])}`).send({ decision: 'approve' });
    expect(noScopeDecision.status).toBe(403);
    const { records } = await governance.auditStore.query({ since: new Date(Date.now() - 60_000), actor: 'eve', limit: 10 });
    expect(records).toEqual([expect.objectContaining({ event: 'approval_decided', decision: 'denied', reason: 'insufficient_scope', approval_id: pending.approval_id })]);
    const unauthenticated = await request(app).get('/approvals');
    expect(unauthenticated.status).toBe(401);
    const badBody = await request(app).post(`/approvals/${pending.approval_id}/decision`).set('Authorization', `Bearer ${await token('bob', ['approvals:decide'])}`).send({ decision: 'maybe' });
    expect(badBody.status).toBe(400);
    const approved = await request(app).post(`/approvals/${pending.approval_id}/decision`).set('Authorization', `Bearer ${await token('bob', ['approvals:decide'])}`).send({ decision: 'approve' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'executed', decided_by: 'bob', result: { wiped: 'vol-7' } });
    expect(wiped.filter((volume) => volume === 'vol-7')).toEqual(['vol-7']);
    const unknown = await request(app).get('/approvals/00000000-0000-4000-8000-000000000000').set('Authorization', `Bearer ${await token('bob', ['approvals:decide'])}`);
    expect(unknown.status).toBe(404);
  });
  it('does not run an approved request whose tool changed (and was re-pinned) while it waited', async () => {
    const called = await mcp('alice', ['storage:write'], 'tools/call', { name: 'wipe_volume', arguments: { volume: 'vol-9' } });
    const { approval_id } = called.result!.structuredContent as { approval_id: string };
    // A new release changes the tool's description; the allowlist is re-pinned to it.
    const changed = defineTool({ ...wipeVolume, description: `${wipeVolume.description} Also wipes its snapshots.` } as never) as typeof wipeVolume;
    pinnable([changed]);
    governance.setPolicy({ tools: [{ name: 'wipe_volume' }, { name: 'get_request_status' }] });
    const released = testService(testConfig(issuer.issuer.issuer), { calls: 0 } as unknown as Probe, { ...governance.adapters, approvals: approvalAdapters }, { access: 'write', tools: [changed] }).app;
    const approved = await request(released).post(`/approvals/${approval_id}/decision`).set('Authorization', `Bearer ${await issuer.token({ sub: 'bob', scopes: ['approvals:decide'] })}`).send({ decision: 'approve' });
    expect(approved.body).toMatchObject({ status: 'failed', result: { error: 'Tool wipe_volume has changed since the request was made; nothing was run' } });
    expect(wiped).not.toContain('vol-9');
    pinnable([wipeVolume, snapshotVolume]);
    governance.setPolicy({ tools: [{ name: 'wipe_volume' }, { name: 'get_request_status' }, { name: 'snapshot_volume', risk: 'high' }] });
  });
});
