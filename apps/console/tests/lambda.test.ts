import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSigningKey, startDevIssuer, type DevIssuer } from '@gmcp/dev-issuer';
import { startHttpApiTestEndpoint, startLocalDynamoDb, startSsmTestEndpoint, type HttpApiTestEndpoint, type LocalDynamoDb, type SsmTestEndpoint } from '@gmcp/local-aws';
import { createDynamoDbClient, ensureTables } from '@gmcp/mcp-kit/platform';
import { CONSOLE_ROUTES } from '../src/deployment-contract';
import { consoleHandler } from '../src/console-handler';
import { consoleSessionTableDefinition } from '../src/sessions/dynamodb-session-store';

const SECRET_PARAMETER = '/gmcp/test/console/client-secret';

/**
 * The console's Lambda entry as API Gateway calls it: behind an HTTP API with its declared routes
 * (the loopback test endpoint, payload format 2.0), sessions in DynamoDB (dynalite), its client
 * secret from SSM (a protocol-faithful endpoint), signing in at the development issuer.
 */
describe('the console on Lambda', () => {
  let dir: string;
  let dynamodb: LocalDynamoDb;
  let ssm: SsmTestEndpoint;
  let issuer: DevIssuer;
  const apis: HttpApiTestEndpoint[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gmcp-console-lambda-'));
    [dynamodb, ssm, issuer] = await Promise.all([startLocalDynamoDb(), startSsmTestEndpoint(), loadOrCreateSigningKey(join(dir, 'key.json')).then((key) => startDevIssuer(key, { port: 0 }))]);
    await ensureTables(createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint }), [consoleSessionTableDefinition('console-sessions')]);
    ssm.put(SECRET_PARAMETER, 's'.repeat(48), 'SecureString');
  });
  afterAll(async () => {
    await Promise.all(apis.map((api) => api.stop()));
    await Promise.all([dynamodb.stop(), ssm.stop(), issuer.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  /** One function instance behind its own API (two of them share sessions through the table). */
  const deploy = async (overrides: Record<string, string | undefined> = {}) => {
    let url = '';
    const env = () => ({
      AWS_REGION: 'eu-west-1',
      PUBLIC_URL: url,
      AUTH_ISSUER: issuer.issuer,
      WRITER_URL: 'http://127.0.0.1:9',
      WRITER_RESOURCE: 'http://127.0.0.1:9/mcp',
      SESSION_TABLE: 'console-sessions',
      CONSOLE_CLIENT_SECRET_PARAMETER: SECRET_PARAMETER,
      DYNAMODB_ENDPOINT: dynamodb.endpoint,
      SSM_ENDPOINT: ssm.endpoint,
      ...overrides,
    });
    let handler: ReturnType<typeof consoleHandler> | undefined;
    const api = await startHttpApiTestEndpoint({
      routes: CONSOLE_ROUTES.map((route) => ({ route, auth: false as const })),
      authorizer: { issuer: issuer.issuer, audiences: [] },
      invoke: async (event) => ({ ok: true as const, result: await (handler ??= consoleHandler(env()))(event as never, {} as never), durationMs: 0, sinceStartMs: 0, cpuSinceStartMs: 0 }),
    });
    url = api.url;
    apis.push(api);
    return api;
  };

  it('serves its pages through the gateway, sends people to sign in, and shares the sign-in state across instances', async () => {
    const first = await deploy();
    const health = await fetch(`${first.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', service: 'console' });
    const pending = await fetch(`${first.url}/approvals`, { redirect: 'manual' });
    expect(pending.status).toBe(303);
    expect(pending.headers.get('location')).toBe('/sign-in?return=%2Fapprovals');

    // The client secret came from SSM: the authorization request names the console's client and callback.
    const signIn = await fetch(`${first.url}/sign-in?return=/approvals`, { redirect: 'manual' });
    expect(signIn.status).toBe(303);
    const authorize = new URL(signIn.headers.get('location')!);
    expect(authorize.origin).toBe(issuer.issuer);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({ client_id: 'approvals-console', redirect_uri: `${first.url}/callback`, code_challenge_method: 'S256', resource: 'http://127.0.0.1:9/mcp' });
    const stateCookie = signIn.headers.get('set-cookie')!.split(';')[0]!;

    // Another instance finds the state in the table (the code is refused by the issuer), once.
    const second = await deploy();
    const callback = `/callback?code=not-a-code&state=${authorize.searchParams.get('state')}&iss=${encodeURIComponent(issuer.issuer)}`;
    const answered = await fetch(`${second.url}${callback}`, { headers: { cookie: stateCookie }, redirect: 'manual' });
    expect(answered.status).toBe(400);
    expect(await answered.text()).not.toContain('expired or was already used');
    const replayed = await fetch(`${second.url}${callback}`, { headers: { cookie: stateCookie }, redirect: 'manual' });
    expect(await replayed.text()).toContain('This sign-in has expired or was already used');

    // Only the declared routes exist.
    expect((await fetch(`${first.url}/admin`)).status).toBe(404);
  });

  it('answers 503 with a page while it cannot start, and nothing else', async () => {
    const broken = await deploy({ SESSION_TABLE: undefined });
    const answer = await fetch(`${broken.url}/approvals`);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('content-type')).toContain('text/html');
    expect(await answer.text()).toContain('The approvals console could not start');
  });
});
