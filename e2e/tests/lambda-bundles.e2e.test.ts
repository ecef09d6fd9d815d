import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import type { Browser } from 'playwright-core';
import { Client as McpClient, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import type { Client } from '@modelcontextprotocol/client';
import { auditDigestPolicy, BUNDLE_NAMES, bundleDir, bundleLambda, consolePolicy, functionPolicy, isAllowed, migrationPolicy, WASM_TIERING_FLAG, type FunctionKind, type ServerName } from '@gmcp/infra';
import { createDigestS3Client, createDynamoDbAuditStore, createDynamoDbClient, createKmsClient, createKmsDigestSigner, createS3DigestStore, recordsIn, verifyAuditDigests } from '@gmcp/mcp-kit/platform';
import { connectClient } from './support/mcp-client';
import { FACADE_CLIENT_ID, startAwsStage, type AwsStage, type DeployedConsole, type DeployedService } from '@gmcp/platform';
import { launchBrowser, signIn } from './support/browser';
import { startCallbackServer, type CallbackServer } from './support/callback-server';
import { MemoryOAuthClientProvider } from './support/oauth-client-provider';

jest.setTimeout(120_000);

/**
 * The bundled Lambda handlers, each in a fresh Node process behind an HTTP API (payload format
 * 2.0; a JWT authorizer on the approval API only), configured with exactly the environment the
 * deployment gives them, against local peers of every AWS service — driven by the real MCP client.
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

    it('hands the function the MCP request as a 2.0 event with no authorizer in front: the kit authenticates it', async () => {
      const event = deployed.api.events.find((sent) => sent.routeKey === 'POST /mcp');
      expect(event).toMatchObject({ version: '2.0', requestContext: { stage: '$default' } });
      expect(event?.requestContext.authorizer).toBeUndefined();
    });

    it('answers a token-less or bad-token call from the function, with the challenge clients start their sign-in from, exactly as locally', async () => {
      const post = (token?: string) =>
        fetch(`${deployed.url}/mcp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        });
      const resourceMetadata = `resource_metadata="${deployed.url}/.well-known/oauth-protected-resource/mcp"`;
      const invocations = deployed.api.events.length;

      const tokenless = await post();
      expect(tokenless.status).toBe(401);
      expect(tokenless.headers.get('www-authenticate')).toBe(`Bearer ${resourceMetadata}`);
      const foreign = await post(await stage.token('ops-reader', 'alice', ['policies:read']));
      expect(foreign.status).toBe(401);
      expect(foreign.headers.get('www-authenticate')).toMatch(new RegExp(`^Bearer error="invalid_token", error_description="[^"]+", ${resourceMetadata.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`));
      const forged = await post('eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.');
      expect(forged.status).toBe(401);
      expect(forged.headers.get('www-authenticate')).toContain(resourceMetadata);
      expect(deployed.api.events.length).toBe(invocations + 3);

      const metadata = (await (await fetch(`${deployed.url}/.well-known/oauth-protected-resource/mcp`)).json()) as { resource: string };
      expect(metadata.resource).toBe(`${deployed.url}/mcp`);
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
      // The approval API stays behind the gateway's authorizer as well as the kit's check.
      expect(deployed.api.events.find((sent) => sent.routeKey === 'POST /approvals/{id}/decision')?.requestContext.authorizer?.jwt.claims).toMatchObject({ sub: 'bob', scope: 'approvals:decide' });

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

    describe('the approvals console, its own function behind its own API', () => {
      let browser: Browser;
      let deployedConsole: DeployedConsole;
      beforeAll(async () => {
        [browser, deployedConsole] = await Promise.all([launchBrowser(), stage.deployConsole(deployed)]);
      });
      afterAll(() => browser?.close());

      /** A person at the console: signs in as `user` at the stage's identity provider on the way to `path`. */
      const signedIn = async (user: string, path: string) => {
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.goto(`${deployedConsole.url}${path}`);
        await page.getByRole('radio', { name: new RegExp(`\\(${user}\\)`) }).check();
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('button', { name: 'Allow' }).click();
        await page.waitForURL((url) => url.href.startsWith(deployedConsole.url));
        return { context, page };
      };

      it('carol approves from the link in the notification; the executor runs it; each console call is within its own role', async () => {
        const pending = await alice.callTool({ name: 'resolve_incident', arguments: { incident_id: 'INC-2031', summary: 'Card payments recovered after the gateway certificate was renewed.' } });
        const approvalId = (pending.structuredContent as { approval_id: string }).approval_id;
        // The approvers' notice carries the console link (and never the arguments).
        await waitFor(async () => stage.sns.published.some((message) => message.message.includes(`${stage.consoleUrl}/approvals/${approvalId}`)));

        const { context, page } = await signedIn('carol', `/approvals/${approvalId}`);
        const change = page.getByRole('table', { name: /What it would change/ }).getByRole('row', { name: /status/ });
        expect((await change.innerText()).split(/\s+/)).toEqual(['status', 'identified', 'resolved']);
        await page.getByRole('button', { name: 'Approve and run' }).click();
        await page.getByText('Approved.').waitFor();
        await waitFor(async () => (await stage.ownerQuery("SELECT status FROM incidents WHERE id = 'INC-2031'"))[0]!.status === 'resolved');
        expect((await alice.callTool({ name: 'get_request_status', arguments: { approval_id: approvalId } })).structuredContent).toMatchObject({ status: 'executed', decided_by: 'carol' });
        await context.close();

        // An auditor reads the trail the servers wrote, each record verified with its server's key history from SSM.
        const erin = await signedIn('erin', '/audit/integrity');
        await erin.page.getByRole('heading', { name: 'Integrity of the audit trail' }).waitFor();
        await erin.page.getByText(/All \d+ record\(s\) match their signatures/).waitFor();
        await erin.context.close();

        const policy = consolePolicy(stage.config, { digestKeyArn: deployedConsole.env.AUDIT_DIGEST_KEY_ID! });
        const calls = deployedConsole.calls();
        expect(calls.filter((call) => !isAllowed(policy, call.action, call.resource, call.context)).map((call) => `${call.action} ${call.resource}`)).toEqual([]);
        // The digests (the first one ran at the stage's first deploy) are read and checked with the KMS public key.
        expect(new Set(calls.map((call) => call.action))).toEqual(
          new Set(['ssm:GetParameter', 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'ssm:GetParameterHistory', 's3:ListBucket', 's3:GetObject', 'kms:GetPublicKey']),
        );
      });
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
    // It chains to the digest of the stage's first run (s3:GetObject).
    expect(new Set(run.calls.map((call) => call.action))).toEqual(new Set(['dynamodb:Query', 's3:ListBucket', 's3:GetObject', 's3:PutObject', 'kms:GetPublicKey', 'kms:Sign']));

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

  it('starts each server with the call policies validated when its bundle was built (the same text, not validated again), and its build names them as an input', () => {
    for (const [service, deployed] of deployments) {
      const loaded = deployed.functions.api!.logs().find((line) => line.includes('"call policies loaded"'));
      expect({ service, loaded: loaded && JSON.parse(loaded) }).toMatchObject({ service, loaded: { validated_at_build: true } });
      expect(readFileSync(join(bundleDir(service), 'inputs.json'), 'utf8')).toContain(`"config/governance/${service}.cedar"`);
    }
  });

  it('leaves jsonwebtoken out of every bundle: the kit verifies tokens with jose, and every call above was authenticated without it', () => {
    for (const name of BUNDLE_NAMES) {
      const inputs = readFileSync(join(bundleDir(name), 'inputs.json'), 'utf8');
      expect({ name, jsonwebtoken: inputs.includes('node_modules/jsonwebtoken/') }).toEqual({ name, jsonwebtoken: false });
    }
  });

  it("sets V8's WebAssembly tiering budget at the top of each server bundle, with a flag this V8 knows", () => {
    expect(execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' })).toContain(WASM_TIERING_FLAG.split('=')[0]);
    for (const [service] of deployments) {
      const head = readFileSync(join(bundleDir(service), 'index.mjs'), 'utf8').split('\n').slice(0, 12).join('\n');
      expect(head).toContain(`__setV8Flags('${WASM_TIERING_FLAG}');`);
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

/**
 * Stages whose identity provider lacks what MCP clients need, the way Entra ID and Cognito do
 * (no PKCE methods in its metadata, no registration, `resource` refused or ignored, APIs named
 * by scope prefix, no `iss` in its answers; Cognito's tokens with no audience): the bundled
 * servers, behind the local HTTP API, front it with the authorization façade, and the SDK's own
 * OAuth client signs in through it, refreshes through it, and is refused by the other server.
 */
describe.each(['entra', 'cognito'] as const)('the authorization façade on the loopback AWS stage, in front of a %s-like provider', (style) => {
  let stage: AwsStage;
  let policyReader: DeployedService;
  let opsReader: DeployedService;
  let browser: Browser;
  let callback: CallbackServer;

  beforeAll(async () => {
    // The bundles were built by the tests above (one file, so that no two workers rebuild them at once).
    callback = await startCallbackServer();
    [stage, browser] = await Promise.all([startAwsStage({ identityProvider: style }), launchBrowser()]);
    policyReader = await stage.deploy('policy-reader');
    opsReader = await stage.deploy('ops-reader');
  });
  afterAll(async () => {
    await Promise.allSettled([browser?.close(), callback?.stop()]);
    await stage?.stop();
  });

  it('stands in front of a provider that lacks the metadata and does not take resource indicators', async () => {
    const provider = stage.limitedIdentityProvider!;
    const metadata = (await (await fetch(`${provider.origin}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(metadata).not.toHaveProperty('code_challenge_methods_supported');
    expect(metadata).not.toHaveProperty('registration_endpoint');
    expect((await fetch(`${provider.origin}/.well-known/oauth-authorization-server`)).status).toBe(404);
    if (style === 'entra') {
      const withResource = await fetch(`${provider.authorizationEndpoint}?client_id=x&resource=${encodeURIComponent(`${policyReader.url}/mcp`)}`);
      expect(withResource.status).toBe(400);
      expect(await withResource.text()).toContain('AADSTS901002');
    }
    const prm = (await (await fetch(`${policyReader.url}/.well-known/oauth-protected-resource/mcp`)).json()) as { authorization_servers: string[] };
    expect(prm.authorization_servers).toEqual([policyReader.url]);
    const facade = (await (await fetch(`${policyReader.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(facade).toMatchObject({ issuer: policyReader.url, code_challenge_methods_supported: ['S256'], registration_endpoint: `${policyReader.url}/oauth/register`, authorization_response_iss_parameter_supported: true });
  });

  it('lets the v2 client sign in with no token, refresh through the relay, and be refused by another server', async () => {
    const url = new URL(`${policyReader.url}/mcp`);
    const resourceParametersBefore = stage.limitedIdentityProvider!.resourceParameters;
    const provider = new MemoryOAuthClientProvider({ redirectUrl: callback.url, clientName: `E2E assistant (${style})` });
    await expect(new McpClient({ name: 'e2e', version: '1.0.0' }).connect(new StreamableHTTPClientTransport(url, { authProvider: provider as never }))).rejects.toBeInstanceOf(UnauthorizedError);
    const authorizationUrl = provider.authorizationUrl!;
    expect(authorizationUrl.origin).toBe(policyReader.url);
    const clientId = style === 'entra' ? FACADE_CLIENT_ID : stage.config.services['policy-reader'].audience;
    expect(authorizationUrl.searchParams.get('client_id')).toBe(clientId);

    const returned = await signIn(browser, authorizationUrl, { user: 'alice', callbackPrefix: callback.url });
    expect(returned.searchParams.get('iss')).toBe(policyReader.url);
    const transport = new StreamableHTTPClientTransport(url, { authProvider: provider as never });
    await transport.finishAuth(returned.searchParams);
    const claims = decodeJwt(provider.current.access_token);
    expect(claims).toMatchObject({ iss: stage.config.auth.issuer, sub: 'alice', client_id: clientId });
    if (style === 'entra') expect(claims.aud).toBe(stage.config.services['policy-reader'].audience);
    else expect(claims).not.toHaveProperty('aud');
    // Entra's tokens name the scope plainly; Cognito's with the resource server's prefix, which the kit strips.
    expect(String(claims.scope).split(' ')).toContain(style === 'cognito' ? `${stage.config.services['policy-reader'].scopePrefix}policies:read` : 'policies:read');

    const client = new McpClient({ name: 'e2e', version: '1.0.0' });
    await client.connect(transport);
    const search = () => client.callTool({ name: 'search_policies', arguments: { query: 'hotel nightly rate' } });
    expect(JSON.stringify((await search()).structuredContent)).toContain('business-travel');

    // An access token the server no longer takes: the client refreshes through the façade's relay and goes on.
    const before = provider.current;
    provider.saveTokens({ ...before, access_token: 'expired.access.token' });
    expect(JSON.stringify((await search()).structuredContent)).toContain('business-travel');
    expect(provider.current.access_token).not.toBe('expired.access.token');
    expect(provider.current.refresh_token).not.toBe(before.refresh_token);
    await client.close();

    const elsewhere = await fetch(`${opsReader.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${provider.current.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers.get('www-authenticate')).toContain(`resource_metadata="${opsReader.url}/.well-known/oauth-protected-resource/mcp"`);
    // The client sent `resource` every time; the façade never passed it on.
    expect(stage.limitedIdentityProvider!.resourceParameters).toBe(resourceParametersBefore);
  });
});
