import { parseEnv, ServiceEnvSchema, SECRET_VARIABLES } from '@gmcp/mcp-kit';
import { OpsReaderEnv } from '@gmcp/ops-reader';
import { functionEnvironment, functionsOf, routesOf, serviceScopes } from '../src/services';
import { SERVER_MODULES } from '../src/server-modules';
import { SERVER_NAMES, serverUses } from '../src/servers';
import { loadStageConfig } from '../src/stage-config';

const config = loadStageConfig('production');
const late = { publicUrl: 'https://d111111abcdef8.cloudfront.net', apiHost: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com', databaseSecretArn: 'arn:aws:secretsmanager:eu-west-1:222222222222:secret:gmcp-production/ops-writer/database-AbC123' };

/** What the Lambda runtime adds, and what the cold start fills from SSM before parsing. */
const runtime = { AWS_REGION: 'eu-west-1', AUDIT_HMAC_KEY: 'k'.repeat(44), APPROVAL_HMAC_KEY: 'a'.repeat(44), EDGE_SECRET: 'e'.repeat(40) };

describe('each function’s environment', () => {
  it.each(SERVER_NAMES)('%s: parses with the app’s own schema, every adapter chosen for AWS', (service) => {
    const env = functionEnvironment(config, { service, kind: 'api' }, late);
    const parsed = SERVER_MODULES[service].parseEnv({ ...env, ...runtime }) as unknown as Record<string, unknown>;
    expect(parsed).toMatchObject({ GOVERNANCE_SOURCE: 'ssm', RATE_LIMIT_STORE: 'dynamodb', METRICS: 'emf', AUTH_AUDIENCE: config.services[service].audience, PUBLIC_URL: late.publicUrl, AUTH_JWKS_URL: config.auth.jwksUrl });
    expect(parsed).not.toHaveProperty('DYNAMODB_ENDPOINT');
    if (serverUses(service, 'policy-bucket')) expect(parsed).toMatchObject({ POLICY_SOURCE: 's3', POLICY_BUCKET: 'gmcp-production-policies-222222222222' });
    if (serverUses(service, 'ops-database')) expect(parsed).toMatchObject({ OPS_DATABASE: 'data-api', DATA_API_RESOURCE_ARN: 'arn:aws:rds:eu-west-1:222222222222:cluster:gmcp-production-ops' });
    if (serverUses(service, 'approvals')) {
      expect(parsed).toMatchObject({ APPROVAL_WORKFLOW: 'stepfunctions', APPROVAL_TTL_SECONDS: config.approvals.ttlSeconds, APPROVER_CLIENT_IDS: ['approvals-console'], MEDIUM_RISK_UNCONFIRMED: 'refuse' });
    }
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
  it('puts the MCP endpoint and the approval API behind the authorizer; only metadata and health are public', () => {
    for (const service of SERVER_NAMES) {
      const routes = routesOf(service);
      expect(routes.filter((route) => route.auth === false).map((route) => route.route).sort()).toEqual(
        ['GET /.well-known/oauth-protected-resource', 'GET /.well-known/oauth-protected-resource/mcp', 'GET /healthz'].sort(),
      );
      expect(routes.find((route) => route.route === 'POST /mcp')?.auth).toEqual({ scopes: serviceScopes(service) });
    }
    expect(routesOf('ops-writer').filter((route) => route.route.includes('/approvals')).map((route) => route.auth)).toEqual([
      { scopes: ['approvals:decide'] },
      { scopes: ['approvals:decide'] },
      { scopes: ['approvals:decide'] },
    ]);
  });

  it('derives the scopes a token needs from the tools each server declares', () => {
    expect(serviceScopes('policy-reader')).toEqual(['policies:read']);
    expect(serviceScopes('ops-reader')).toEqual(['incidents:read', 'tickets:read']);
    expect(serviceScopes('ops-writer')).toEqual(['approvals:read', 'incidents:write', 'tickets:write']);
  });
});
