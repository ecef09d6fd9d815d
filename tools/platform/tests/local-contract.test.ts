import { localAudience, localIssuer, localPort, serverEnv, stateDir } from '../src';

describe('local contract', () => {
  it('uses the documented ports unless overridden', () => {
    expect(localIssuer({})).toBe('http://127.0.0.1:4100');
    expect(localAudience('policy-reader', {})).toBe('http://127.0.0.1:4101/mcp');
    expect(localAudience('ops-reader', {})).toBe('http://127.0.0.1:4102/mcp');
    expect(localAudience('ops-writer', {})).toBe('http://127.0.0.1:4103/mcp');
    expect(localPort('policy-reader', { POLICY_READER_PORT: '5101' })).toBe(5101);
    expect(localIssuer({ DEV_ISSUER_PORT: '5100' })).toBe('http://127.0.0.1:5100');
  });

  it('refuses a port override that is not a fixed port', () => {
    expect(() => localPort('ops-writer', { OPS_WRITER_PORT: 'abc' })).toThrow(/OPS_WRITER_PORT must be a port number/);
    expect(() => localPort('dev-issuer', { DEV_ISSUER_PORT: '0' })).toThrow(/DEV_ISSUER_PORT must be a port number \(1-65535\)/);
  });

  it('passes no unprefixed shell variable but the shared ones', () => {
    const local = { issuer: 'http://127.0.0.1:4100', dynamoDbEndpoint: 'http://127.0.0.1:4110', auditKeys: { 'policy-reader': 'a2V5', 'ops-reader': 'a2V5', 'ops-writer': 'a2V5' }, approvalKey: 'b2V5' };
    const env = serverEnv('policy-reader', { PUBLIC_URL: 'http://localhost:3000', AUTH_AUDIENCE: 'x', LOG_LEVEL: 'WARN', OPS_READER_LOG_LEVEL: 'DEBUG' }, local);
    expect(env.PUBLIC_URL).toBeUndefined();
    expect(env.AUTH_AUDIENCE).toBeUndefined();
    expect(env.LOG_LEVEL).toBe('WARN');
  });

  it('keeps state in one folder, overridable', () => {
    expect(stateDir({})).toMatch(/\/\.local$/);
    expect(stateDir({ GMCP_STATE_DIR: '/tmp/x' })).toBe('/tmp/x');
  });

  it('gives each server its port and issuer, with <SERVER>_<VAR> overriding <VAR>', () => {
    const local = { issuer: 'http://127.0.0.1:4100', dynamoDbEndpoint: 'http://127.0.0.1:4110', auditKeys: { 'policy-reader': 'a2V5', 'ops-reader': 'a2V5', 'ops-writer': 'a2V5' }, approvalKey: 'b2V5' };
    const env = serverEnv('policy-reader', { LOG_LEVEL: 'INFO', POLICY_READER_LOG_LEVEL: 'DEBUG', PORT: '80', POLICY_READER_PORT: '5101', POLICY_READER_GOVERNANCE_TTL_SECONDS: '1' }, local);
    expect(env).toMatchObject({
      LOG_LEVEL: 'DEBUG',
      PORT: '5101',
      HOST: '127.0.0.1',
      AUTH_ISSUER: 'http://127.0.0.1:4100',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:4110',
      AUDIT_HMAC_KEY: 'a2V5',
      GOVERNANCE_FILE: expect.stringMatching(/config\/governance\/policy-reader\.json$/),
      GOVERNANCE_TTL_SECONDS: '1',
    });
  });
});
