import { parseEnv, ServiceEnvSchema, SECRET_VARIABLES } from '@gmcp/mcp-kit/platform';
import { OpsReaderEnv } from '@gmcp/ops-reader';
import { FACADE_ROUTES } from '@gmcp/mcp-kit/platform';
import { approvalAudiences, functionEnvironment, functionsOf, routesOf } from '../src/services';
import { SERVER_MODULES } from '../src/server-modules';
import { SERVER_NAMES, serverUses } from '../src/servers';
import { loadStageConfig } from '../src/stage-config';
import { consolePlan } from '../src/console';
import { AwsConsoleEnv, consoleConfig } from '@gmcp/console';

const config = loadStageConfig('production');
const late = { publicUrl: 'https://d111111abcdef8.cloudfront.net', apiHost: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com', databaseSecretArn: 'arn:aws:secretsmanager:eu-west-1:222222222222:secret:gmcp-production/ops-writer/database-AbC123' };

/** What the Lambda runtime adds, and what the cold start fills from SSM before parsing. */
const runtime = { PORT: '0' /* set by lambdaEntries */, AWS_REGION: 'eu-west-1', AUDIT_HMAC_KEY: 'k'.repeat(44), APPROVAL_HMAC_KEY: 'a'.repeat(44), EDGE_SECRET: 'e'.repeat(40) };

describe('each function’s environment', () => {
  it.each(SERVER_NAMES)('%s: parses with the app’s own schema, every adapter chosen for AWS', (service) => {
    const env = functionEnvironment(config, { service, kind: 'api' }, late);
    const parsed = SERVER_MODULES[service].parseEnv({ ...env, ...runtime }) as unknown as Record<string, unknown>;
    expect(parsed).toMatchObject({ GOVERNANCE_SOURCE: 'ssm', RATE_LIMIT_STORE: 'dynamodb', METRICS: 'emf', AUTH_AUDIENCE: config.services[service].audience, PUBLIC_URL: late.publicUrl, AUTH_JWKS_URL: config.auth.jwksUrl });
    expect(parsed).not.toHaveProperty('DYNAMODB_ENDPOINT');
    expect(env).toMatchObject({ GMCP_SERVER: service, GMCP_SERVER_ACCESS: SERVER_MODULES[service].access });
    // The module refuses to run as another server than the one the registry deployed.
    const other = SERVER_NAMES.find((name) => name !== service)!;
    expect(() => SERVER_MODULES[other].parseEnv({ ...env, ...runtime })).toThrow(`this process is registered as ${service}, but its module is ${other}`);
    if (serverUses(service, 'policy-bucket')) expect(parsed).toMatchObject({ POLICY_SOURCE: 's3', POLICY_BUCKET: 'gmcp-production-policies-222222222222' });
    if (serverUses(service, 'ops-database')) expect(parsed).toMatchObject({ OPS_DATABASE: 'data-api', DATA_API_RESOURCE_ARN: 'arn:aws:rds:eu-west-1:222222222222:cluster:gmcp-production-ops' });
    if (serverUses(service, 'approvals')) {
      expect(parsed).toMatchObject({ APPROVAL_WORKFLOW: 'stepfunctions', APPROVAL_TTL_SECONDS: config.approvals.ttlSeconds, APPROVER_CLIENT_IDS: ['approvals-console'], MEDIUM_RISK_UNCONFIRMED: 'refuse' });
      // With the console deployed, clients that cannot confirm in band get its link; approvers' notices too.
      const linked = SERVER_MODULES[service].parseEnv({ ...functionEnvironment(config, { service, kind: 'api' }, { ...late, consoleUrl: 'https://console.example.com' }), ...runtime }) as unknown as Record<string, unknown>;
      expect(linked).toMatchObject({ MEDIUM_RISK_UNCONFIRMED: 'link', APPROVAL_CONSOLE_URL: 'https://console.example.com' });
    }
  });

  it('gives the console what its Lambda entry parses: its URL, the issuer, the writer, sessions, its secret by parameter name, the audit trail', () => {
    const plan = consolePlan(config);
    const env = plan.environment({ publicUrl: 'https://console.example.com', writerUrl: 'https://writer.example.com', digestKeyArn: 'arn:aws:kms:eu-west-1:222222222222:key/k' });
    expect(AwsConsoleEnv.parse({ ...env, AWS_REGION: 'eu-west-1' })).toMatchObject({ SESSION_TABLE: 'gmcp-production-console-sessions', AUDIT_KEY_PARAMETERS: SERVER_NAMES.map((server) => `${server}=/gmcp/production/${server}/audit/hmac-key`) });
    expect(consoleConfig({ ...env, CONSOLE_CLIENT_SECRET: 's'.repeat(40) })).toMatchObject({ publicUrl: 'https://console.example.com', WRITER_RESOURCE: config.services['ops-writer'].audience, CONSOLE_CLIENT_ID: 'approvals-console', loopback: false });
    // The secret itself never sits in the function's configuration: only its parameter's name.
    expect(Object.keys(env)).not.toContain('CONSOLE_CLIENT_SECRET');
    expect(plan.routes.every((route) => route.auth === false)).toBe(true);
    expect(() => consolePlan({ ...config, auth: { ...config.auth, approverClientIds: ['approvals-cli'] } })).toThrow('auth.approverClientIds must include approvals-console');
    // A provider that assigns client ids itself: the stage names the console's.
    const assigned = consolePlan({ ...config, auth: { ...config.auth, approverClientIds: ['0oa1b2c3d4'], consoleClientId: '0oa1b2c3d4' } });
    expect(assigned.environment({ publicUrl: 'https://console.example.com', writerUrl: 'https://writer.example.com', digestKeyArn: 'k' }).CONSOLE_CLIENT_ID).toBe('0oa1b2c3d4');
  });

  it('behind the edge, accepts the API’s own Host and believes one proxy for the caller’s address', () => {
    const parsed = parseEnv(OpsReaderEnv, { ...functionEnvironment(config, { service: 'ops-reader', kind: 'api' }, late), ...runtime });
    expect(parsed).toMatchObject({ ALLOWED_HOSTS: ['a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com'], TRUST_PROXY: 1 });
    expect(() => functionEnvironment(config, { service: 'ops-reader', kind: 'api' }, { ...late, apiHost: undefined })).toThrow('needs its API host');
    const dev = functionEnvironment(loadStageConfig('dev'), { service: 'ops-reader', kind: 'api' }, late);
    expect(dev).not.toHaveProperty('TRUST_PROXY');
    expect(dev).not.toHaveProperty('EDGE_SECRET_PARAMETER');
  });

  it('never carries a key, only the name of the SSM parameter holding it', () => {
    for (const service of SERVER_NAMES) {
      for (const fn of functionsOf(service)) {
        const env = functionEnvironment(config, fn, late);
        for (const secret of SECRET_VARIABLES) expect(env).not.toHaveProperty(secret);
        expect(Object.entries(env).filter(([name]) => name.endsWith('_PARAMETER')).every(([, value]) => value.startsWith('/gmcp/production/'))).toBe(true);
      }
    }
  });

  it('stops waiting for a paused cluster early enough that the function answers before its own timeout', () => {
    for (const kind of ['api', 'approval-executor'] as const) {
      const env = functionEnvironment(config, { service: 'ops-writer', kind }, late);
      const timeout = kind === 'api' ? config.services['ops-writer'].timeoutSeconds : 60;
      expect(Number(env.DATA_API_RESUME_BUDGET_SECONDS)).toBeLessThanOrEqual(timeout - 8);
      expect(Number(env.DATA_API_RESUME_BUDGET_SECONDS)).toBeGreaterThan(0);
    }
  });

  it('gives the backlog report only its table and metric settings', () => {
    const env = functionEnvironment(config, { service: 'ops-writer', kind: 'approval-backlog' }, late);
    expect(Object.keys(env).sort()).toEqual(['APPROVAL_TABLE', 'METRICS', 'METRICS_NAMESPACE', 'NODE_ENV']);
    expect(parseEnv(ServiceEnvSchema.pick({ APPROVAL_TABLE: true, METRICS: true, METRICS_NAMESPACE: true }), env)).toMatchObject({ APPROVAL_TABLE: 'gmcp-production-approvals' });
  });

  it('refuses to build an ops server’s environment without its database secret', () => {
    expect(() => functionEnvironment(config, { service: 'ops-reader', kind: 'api' }, { publicUrl: late.publicUrl, apiHost: late.apiHost })).toThrow('ops-reader needs its database secret ARN');
  });
});

describe('routes', () => {
  it('lets every MCP request reach the function, which answers 401 with the RFC 9728 challenge; only the approval API is behind the authorizer', () => {
    for (const service of SERVER_NAMES) {
      const routes = routesOf(config, service);
      expect(routes.filter((route) => route.auth === false).map((route) => route.route).sort()).toEqual(
        ['POST /mcp', 'GET /mcp', 'DELETE /mcp', 'GET /.well-known/oauth-protected-resource', 'GET /.well-known/oauth-protected-resource/mcp', 'GET /healthz'].sort(),
      );
    }
    expect(routesOf(config, 'ops-writer').filter((route) => route.auth !== false)).toEqual([
      { route: 'GET /approvals', auth: { scopes: ['approvals:decide', 'approvals:read'] } },
      { route: 'GET /approvals/{id}', auth: { scopes: ['approvals:decide', 'approvals:read'] } },
      { route: 'POST /approvals/{id}/decision', auth: { scopes: ['approvals:decide', 'approvals:read'] } },
    ]);
  });

  it('adds the authorization façade’s public routes when the stage has one', () => {
    const withFacade = { ...config, auth: { ...config.auth, facade: FACADE } };
    for (const service of SERVER_NAMES) {
      const routes = routesOf(withFacade, service).map((route) => route.route);
      expect(routes).toEqual(expect.arrayContaining([...FACADE_ROUTES]));
      expect(routesOf(withFacade, service).filter((route) => FACADE_ROUTES.includes(route.route as never)).every((route) => route.auth === false)).toBe(true);
    }
  });
});

const FACADE = {
  authorizationEndpoint: 'https://login.microsoftonline.com/tenant/oauth2/v2.0/authorize',
  tokenEndpoint: 'https://login.microsoftonline.com/tenant/oauth2/v2.0/token',
  clientId: '6f1c0d36-assistants',
  redirectUris: ['https://claude.ai/api/mcp/auth_callback', 'http://127.0.0.1/callback'],
  resourceParameter: 'omit' as const,
};

describe('the authorization façade’s environment', () => {
  it('gives each function the façade and the provider’s scope names, which the kit accepts', () => {
    const withFacade = { ...config, auth: { ...config.auth, facade: FACADE }, services: { ...config.services, 'policy-reader': { ...config.services['policy-reader'], scopePrefix: 'api://gmcp/policy-reader/' } } };
    const env = functionEnvironment(withFacade, { service: 'policy-reader', kind: 'api' }, late);
    const parsed = SERVER_MODULES['policy-reader'].parseEnv({ ...env, ...runtime }) as unknown as Record<string, unknown>;
    expect(parsed).toMatchObject({
      AUTH_SCOPE_PREFIX: 'api://gmcp/policy-reader/',
      AUTH_AUDIENCE_CLAIM: 'aud',
      AUTH_FACADE_CLIENT_ID: FACADE.clientId,
      AUTH_FACADE_REDIRECT_URIS: FACADE.redirectUris,
      AUTH_FACADE_RESOURCE_PARAMETER: 'omit',
    });
  });

  it('uses each server’s own app client when tokens carry no audience (Cognito), and lets only the approvers’ clients through to the approval API', () => {
    const cognito = { ...config, auth: { ...config.auth, audienceClaim: 'client_id' as const, facade: { ...FACADE, clientId: undefined } } };
    for (const service of SERVER_NAMES) {
      expect(functionEnvironment(cognito, { service, kind: 'api' }, late)).toMatchObject({ AUTH_AUDIENCE_CLAIM: 'client_id', AUTH_FACADE_CLIENT_ID: config.services[service].audience });
      expect(approvalAudiences(cognito, service)).toEqual(config.auth.approverClientIds);
      expect(approvalAudiences(config, service)).toEqual([config.services[service].audience]);
    }
  });
});
