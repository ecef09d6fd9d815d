import { buildServiceConfig, ConfigError, createGovernanceAdapters, createLogger, parseEnv, ServiceEnvSchema } from '../src/platform';

const KEY = Buffer.alloc(32, 7).toString('base64');
const minimal = { PORT: '4101', AUTH_ISSUER: 'http://127.0.0.1:4100', AUDIT_HMAC_KEY: KEY };

describe('parseEnv', () => {
  it('applies defaults and derives the resource URL, audience and JWKS URL', () => {
    const config = buildServiceConfig(parseEnv(ServiceEnvSchema, minimal));
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 4101,
      resourceUrl: 'http://127.0.0.1:4101/mcp',
      auth: {
        issuer: 'http://127.0.0.1:4100',
        audience: 'http://127.0.0.1:4101/mcp',
        jwksUrl: 'http://127.0.0.1:4100/.well-known/jwks.json',
        algorithms: ['RS256', 'ES256'],
        clockSkewSeconds: 30,
      },
      allowedOrigins: [],
    });
  });

  it('uses the public URL and explicit audience when configured', () => {
    const env = parseEnv(ServiceEnvSchema, {
      ...minimal,
      PUBLIC_URL: 'https://policies.example.com/',
      AUTH_AUDIENCE: 'api://policies',
      ALLOWED_ORIGINS: 'https://app.example.com, https://admin.example.com/',
    });
    const config = buildServiceConfig(env);
    expect(config.resourceUrl).toBe('https://policies.example.com/mcp');
    expect(config.auth.audience).toBe('api://policies');
    expect(config.allowedOrigins).toEqual(['https://app.example.com', 'https://admin.example.com']);
  });

  it('derives URLs from the port actually bound', () => {
    const config = buildServiceConfig(parseEnv(ServiceEnvSchema, { ...minimal, PORT: '0' }), 53123);
    expect(config.auth.audience).toBe('http://127.0.0.1:53123/mcp');
  });

  it.each([
    [{ PORT: '4101', AUDIT_HMAC_KEY: KEY }, ['AUTH_ISSUER'], /AUTH_ISSUER is required/],
    [{ ...minimal, AUDIT_HMAC_KEY: 'c2hvcnQ=' }, ['AUDIT_HMAC_KEY'], /AUDIT_HMAC_KEY must be a base64 key of at least 32 bytes/],
    [{ ...minimal, GOVERNANCE_SOURCE: 'etcd' }, ['GOVERNANCE_SOURCE'], /GOVERNANCE_SOURCE/],
    [{ ...minimal, RATE_LIMIT_STORE: 'redis' }, ['RATE_LIMIT_STORE'], /RATE_LIMIT_STORE/],
    [{ ...minimal, PORT: 'eighty' }, ['PORT'], /PORT/],
    [{ ...minimal, AUTH_ALGORITHMS: 'RS256,HS256' }, ['AUTH_ALGORITHMS'], /AUTH_ALGORITHMS/],
    [{ ...minimal, AUTH_ALGORITHMS: 'none' }, ['AUTH_ALGORITHMS'], /AUTH_ALGORITHMS/],
    [{ ...minimal, ALLOWED_ORIGINS: 'not a url' }, ['ALLOWED_ORIGINS'], /ALLOWED_ORIGINS/],
    [{ ...minimal, AUTH_CLOCK_SKEW_SECONDS: '3600' }, ['AUTH_CLOCK_SKEW_SECONDS'], /AUTH_CLOCK_SKEW_SECONDS/],
  ])('fails with a ConfigError naming the bad variable (%#)', (env, variables, message) => {
    let thrown: unknown;
    try {
      parseEnv(ServiceEnvSchema, env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).variables).toEqual(variables);
    expect((thrown as ConfigError).message).toMatch(message);
  });

  it('accepts log levels in any case and reads TRUST_PROXY as hops or addresses', () => {
    expect(parseEnv(ServiceEnvSchema, { ...minimal, LOG_LEVEL: 'debug' }).LOG_LEVEL).toBe('DEBUG');
    expect(buildServiceConfig(parseEnv(ServiceEnvSchema, { ...minimal, TRUST_PROXY: '1' })).trustProxy).toBe(1);
    expect(buildServiceConfig(parseEnv(ServiceEnvSchema, { ...minimal, TRUST_PROXY: '10.0.0.0/8' })).trustProxy).toBe('10.0.0.0/8');
    expect(buildServiceConfig(parseEnv(ServiceEnvSchema, minimal)).trustProxy).toBe(false);
    expect(() => parseEnv(ServiceEnvSchema, { ...minimal, TRUST_PROXY: 'true; rm' })).toThrow(/TRUST_PROXY/);
  });

  it('treats empty variables as unset', () => {
    expect(parseEnv(ServiceEnvSchema, { ...minimal, AUTH_AUDIENCE: '' }).AUTH_AUDIENCE).toBeUndefined();
  });
});

describe('confirmation of medium-risk calls by link', () => {
  const approvalKey = Buffer.alloc(32, 8).toString('base64');
  const adapters = (env: Record<string, string>) => createGovernanceAdapters(parseEnv(ServiceEnvSchema, { ...minimal, GOVERNANCE_FILE: '/nonexistent/governance.json', APPROVAL_HMAC_KEY: approvalKey, ...env }), 'ops-writer', createLogger('test', 'SILENT'));

  it('is the default with a console and approver clients, and refused otherwise', () => {
    expect(adapters({ APPROVAL_CONSOLE_URL: 'https://console.example.com', APPROVER_CLIENT_IDS: 'approvals-console' }).confirmation).toMatchObject({ whenUnsupported: 'link', consoleUrl: 'https://console.example.com' });
    expect(adapters({ APPROVAL_CONSOLE_URL: 'https://console.example.com' }).confirmation).toMatchObject({ whenUnsupported: 'refuse' });
    expect(adapters({}).confirmation).toMatchObject({ whenUnsupported: 'refuse' });
  });

  it('refuses to start in link mode without approver clients: the assistant holding the user’s token could confirm', () => {
    expect(() => adapters({ MEDIUM_RISK_UNCONFIRMED: 'link', APPROVAL_CONSOLE_URL: 'https://console.example.com' })).toThrow(/APPROVER_CLIENT_IDS/);
    expect(() => adapters({ MEDIUM_RISK_UNCONFIRMED: 'link', APPROVER_CLIENT_IDS: 'approvals-console' })).toThrow(/APPROVAL_CONSOLE_URL/);
  });
});
