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

  it('refuses a port override that is not a port', () => {
    expect(() => localPort('ops-writer', { OPS_WRITER_PORT: 'abc' })).toThrow(/OPS_WRITER_PORT must be a port number/);
  });

  it('keeps state in one folder, overridable', () => {
    expect(stateDir({})).toMatch(/\/\.local$/);
    expect(stateDir({ GMCP_STATE_DIR: '/tmp/x' })).toBe('/tmp/x');
  });

  it('gives each server its port and issuer, with <SERVER>_<VAR> overriding <VAR>', () => {
    const env = serverEnv('policy-reader', { LOG_LEVEL: 'INFO', POLICY_READER_LOG_LEVEL: 'DEBUG', PORT: '80', POLICY_READER_PORT: '5101' });
    expect(env).toMatchObject({ LOG_LEVEL: 'DEBUG', PORT: '5101', HOST: '127.0.0.1', AUTH_ISSUER: 'http://127.0.0.1:4100' });
  });
});
