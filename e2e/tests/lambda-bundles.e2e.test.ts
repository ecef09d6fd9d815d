import type { Client } from '@modelcontextprotocol/client';
import { auditDigestPolicy, BUNDLE_NAMES, bundleLambda, functionPolicy, isAllowed, migrationPolicy, type FunctionKind, type ServerName } from '@gmcp/infra';
import { createDigestS3Client, createDynamoDbAuditStore, createDynamoDbClient, createKmsClient, createKmsDigestSigner, createS3DigestStore, recordsIn, verifyAuditDigests } from '@gmcp/mcp-kit';
import { connectClient } from './support/mcp-client';
import { startAwsStage, type AwsStage, type DeployedService } from '@gmcp/platform';

jest.setTimeout(120_000);

/**
 * The bundled Lambda handlers, each in a fresh Node process behind an HTTP API with a JWT
 * authorizer (payload format 2.0), configured with exactly the environment the deployment
 * gives them, against local peers of every AWS service — driven by the real MCP client.
 */
describe('Lambda bundles behind API Gateway', () => {
  let stage: AwsStage;
  const deployments: [ServerName, DeployedService][] = [];
  /** Deploys a service exactly as the plan does, and keeps it for the least-privilege check. */
  const deploy = async (service: ServerName): Promise<DeployedService> => {
    const deployed = await stage.deploy(service);
    deployments.push([service, deployed]);
    return deployed;
  };
  beforeAll(async () => {
    for (const name of BUNDLE_NAMES) await bundleLambda(name);
    stage = await startAwsStage();
  });
  afterAll(async () => {
    await stage?.stop();
  });

  const auditRecords = async (server: string) => {
    const client = createDynamoDbClient({ region: 'us-east-1', endpoint: stage.dynamoDbEndpoint });
    try {
      const page = await createDynamoDbAuditStore(client, stage.names.auditTable).query({ server, since: new Date(Date.now() - 600_000), limit: 200 });
      return page.records;
    } finally {
      client.destroy();
    }
  };

  describe('policy reader', () => {
    let deployed: DeployedService;
    beforeAll(async () => {
      deployed = await deploy('policy-reader');
    });

    it.each(['legacy', 'modern'] as const)('answers a %s client through the gateway, from S3, audited with the caller and source address', async (handshake) => {
      const client = await connectClient(`${deployed.url}/mcp`, await stage.token('policy-reader', 'alice', ['policies:read']), handshake);
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toContain('search_policies');
      const result = await client.callTool({ name: 'search_policies', arguments: { query: 'hotel nightly rate' } });
      expect(result.isError).toBeFalsy();
      expect(JSON.stringify(result.structuredContent)).toContain('business-travel');
      await client.close();
      const records = await auditRecords('policy-reader');
      const allowed = records.find((record) => record.event === 'tool_allowed' && record.tool === 'search_policies');
      expect(allowed).toMatchObject({ actor: { subject: 'alice' }, source: { ip: '127.0.0.1' } });
    });

    it('hands the function a 2.0 event with the authorizer context; the token is checked again by the kit', async () => {
      const event = deployed.api.events.find((sent) => sent.routeKey === 'POST /mcp');
      expect(event).toMatchObject({
        version: '2.0',
        requestContext: { stage: '$default', authorizer: { jwt: { claims: { sub: 'alice', aud: 'api://gmcp-e2e/policy-reader', scope: 'policies:read' } } } },
      });
      expect(typeof event?.requestContext.authorizer?.jwt.claims.exp).toBe('string');
    });

    it('is refused at the gateway without a token, with a token for another service, or without any of its scopes', async () => {
      const post = (token?: string) =>
        fetch(`${deployed.url}/mcp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        });
      const invocations = deployed.api.events.length;
      expect((await post()).status).toBe(401);
      expect((await post(await stage.token('ops-reader', 'alice', ['policies:read']))).status).toBe(401);
      expect((await post(await stage.token('policy-reader', 'alice', ['tickets:read']))).status).toBe(403);
      expect(deployed.api.events.length).toBe(invocations);
    });

    it('serves its protected-resource metadata and health publicly', async () => {
      const metadata = await (await fetch(`${deployed.url}/.well-known/oauth-protected-resource/mcp`)).json();
      expect(metadata).toMatchObject({ resource: `${deployed.url}/mcp`, authorization_servers: [stage.config.auth.issuer] });
      expect(await (await fetch(`${deployed.url}/healthz`)).json()).toMatchObject({ status: 'ok', service: 'policy-reader' });
    });

    it('reports its metrics as CloudWatch EMF lines, with a service-only dimension set for alarms', async () => {
      const lines = deployed.functions.api!.logs().filter((line) => line.includes('"_aws"'));
      const toolCalls = lines.map((line) => JSON.parse(line) as { _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] } }).filter((emf) => emf._aws.CloudWatchMetrics[0]!.Metrics[0]!.Name === 'ToolCalls');
      expect(toolCalls.some((emf) => JSON.stringify(emf._aws.CloudWatchMetrics[0]!.Dimensions) === '[["service"]]')).toBe(true);
    });
  });

  describe('tickets and incidents reader', () => {
    it('reads through the Data API as its own read-only login', async () => {
      const deployed = await deploy('ops-reader');
      const client = await connectClient(`${deployed.url}/mcp`, await stage.token('ops-reader', 'alice', ['tickets:read', 'incidents:read']), 'legacy');
      const result = await client.callTool({ name: 'get_ticket_status', arguments: { ticket_id: 'TCK-1042' } });
      expect(result.structuredContent).toMatchObject({ found: true, ticket: { ticket_id: 'TCK-1042' } });
      await client.close();
    });
  });

  describe('writer, with the approval state machine', () => {
    let deployed: DeployedService;
    let alice: Client;
    beforeAll(async () => {
      deployed = await deploy('ops-writer');
      alice = await connectClient(`${deployed.url}/mcp`, await stage.token('ops-writer', 'alice', ['tickets:write', 'incidents:write', 'approvals:read']), 'modern', { elicitation: true });
    });
    afterAll(async () => {
      await alice?.close();
    });

    const approvalApi = async (path: string, method: 'GET' | 'POST', token: string, body?: unknown) => {
      const response = await fetch(`${deployed.url}/approvals${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    it('runs a high-risk change only after an approver decides, through Step Functions, the notifier and the executor', async () => {
      const pending = await alice.callTool({ name: 'change_incident_severity', arguments: { incident_id: 'INC-2047', severity: 'SEV1', reason: 'Checkout is failing for every customer in the EU.' } });
      expect(pending.structuredContent).toMatchObject({ status: 'pending_approval' });
      const approvalId = (pending.structuredContent as { approval_id: string }).approval_id;

      await waitFor(async () => stage.sns.published.some((message) => message.message.includes(approvalId)));
      const bob = await stage.token('ops-writer', 'bob', ['approvals:decide'], 'approvals-console');
      const decided = await approvalApi(`/${approvalId}/decision`, 'POST', bob, { decision: 'approve' });
      expect(decided.status).toBe(200);

      await waitFor(async () => (await stage.ownerQuery("SELECT severity FROM incidents WHERE id = 'INC-2047'"))[0]!.severity === 'SEV1');
      const status = await alice.callTool({ name: 'get_request_status', arguments: { approval_id: approvalId } });
      expect(status.structuredContent).toMatchObject({ status: 'executed', decided_by: 'bob' });
      const trail = (await auditRecords('ops-writer')).filter((record) => record.approval_id === approvalId).map((record) => record.event);
      expect(trail).toEqual(expect.arrayContaining(['approval_requested', 'approval_decided', 'approval_executed']));
    });

    it('refuses an approval from a client that is not an approval console', async () => {
      const assistant = await stage.token('ops-writer', 'carol', ['approvals:decide'], 'assistant-app');
      const listed = await approvalApi('?status=pending', 'GET', assistant);
      expect(listed.status).toBe(403);
    });

    it('reports the approval backlog from its scheduled function', async () => {
      const invocation = await deployed.functions['approval-backlog']!.invoke<{ age_seconds: number }>('backlog', { source: 'aws.events' });
      expect(invocation).toMatchObject({ ok: true, result: { age_seconds: expect.any(Number) } });
      expect(deployed.functions['approval-backlog']!.logs().some((line) => line.includes('ApprovalBacklogAgeSeconds'))).toBe(true);
    });
  });

  it('answers 503 and runs nothing when a function cannot start (a signing key missing), and recovers once it exists', async () => {
    // Configured off-plan on purpose, so it is left out of the least-privilege check below.
    const deployed = await stage.deploy('policy-reader', { AUDIT_HMAC_KEY_PARAMETER: '/gmcp/e2e/late-key' });
    const token = await stage.token('policy-reader', 'alice', ['policies:read']);
    const listTools = () =>
      fetch(`${deployed.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
    const before = (await auditRecords('policy-reader')).length;
    expect((await listTools()).status).toBe(503);
    expect(deployed.functions.api!.logs().join('\n')).toContain('SSM parameters not found: /gmcp/e2e/late-key');
    expect((await auditRecords('policy-reader')).length).toBe(before);

    stage.putParameter('/gmcp/e2e/late-key', 'a'.repeat(44), 'SecureString');
    const recovered = await listTools();
    expect(recovered.status).toBe(200);
    expect(await recovered.text()).toContain('search_policies');
  });

  it('digests what the functions wrote with the bundled scheduled function, signed by the KMS key, within its own role', async () => {
    const run = await stage.runAuditDigest();
    expect(run.result).toMatchObject({ record_count: expect.any(Number) });
    expect((run.result as { record_count: number }).record_count).toBeGreaterThan(0);
    const refused = run.calls.filter((call) => !isAllowed(auditDigestPolicy(stage.config, { digestKeyArn: run.keyArn }), call.action, call.resource, call.context));
    expect(refused).toEqual([]);
    expect(new Set(run.calls.map((call) => call.action))).toEqual(new Set(['dynamodb:Query', 's3:ListBucket', 's3:PutObject', 'kms:GetPublicKey', 'kms:Sign']));

    const dynamo = createDynamoDbClient({ region: 'us-east-1', endpoint: stage.dynamoDbEndpoint });
    try {
      const s3 = createDigestS3Client({ region: 'us-east-1', endpoint: stage.s3Endpoint });
      const digests = await createS3DigestStore(s3, stage.names.digestBucket).list();
      const records = await recordsIn(createDynamoDbAuditStore(dynamo, stage.names.auditTable), digests[0]!.range.start, new Date().toISOString());
      const publicKey = await createKmsDigestSigner(createKmsClient({ region: 'us-east-1', endpoint: stage.kmsEndpoint }), run.keyArn).publicKeyPem();
      expect(verifyAuditDigests({ records, digests, publicKey, anchor: 'genesis', chainStart: stage.config.auditDigests.chainStart })).toMatchObject({ ok: true });
    } finally {
      dynamo.destroy();
    }
  });

  describe('least privilege, in practice', () => {
    it('set up the database with the bundled migration step, as the schema owner', () => {
      expect(stage.migration.result).toMatchObject({ logins: [{ role: 'reader' }, { role: 'writer' }] });
    });

    it('every AWS call each function made is allowed by its own role, and the migration step’s by its role', () => {
      const refused: string[] = [];
      const observed = new Set<string>();
      for (const [service, deployed] of deployments) {
        for (const kind of Object.keys(deployed.functions) as FunctionKind[]) {
          const policy = functionPolicy(stage.config, service, kind);
          for (const call of deployed.calls(kind)) {
            observed.add(`${service}/${kind} ${call.action}`);
            if (!isAllowed(policy, call.action, call.resource, call.context)) refused.push(`${service}/${kind}: ${call.action} ${call.resource} ${JSON.stringify(call.context ?? {})}`);
          }
        }
      }
      const migration = migrationPolicy(stage.config, { adminSecretArn: stage.migration.adminSecretArn });
      for (const call of stage.migration.calls) {
        observed.add(`migration ${call.action}`);
        if (!isAllowed(migration, call.action, call.resource, call.context)) refused.push(`migration: ${call.action} ${call.resource}`);
      }
      expect(refused).toEqual([]);
      // The recorders saw the work the flows above did, through every kind of store.
      expect([...observed]).toEqual(
        expect.arrayContaining([
          'policy-reader/api s3:GetObject',
          'policy-reader/api ssm:GetParameters',
          'policy-reader/api dynamodb:PutItem',
          'ops-reader/api rds-data:ExecuteStatement',
          'ops-writer/api states:StartExecution',
          'ops-writer/approval-notifier sns:Publish',
          'ops-writer/approval-executor rds-data:BeginTransaction',
          'ops-writer/approval-backlog dynamodb:Query',
          'migration secretsmanager:GetSecretValue',
          'migration rds-data:ExecuteStatement',
        ]),
      );
    });
  });
});



async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

