import { startSsmTestEndpoint, type SsmTestEndpoint } from '@gmcp/local-aws';
import {
  createCachedPolicy,
  createLogger,
  createMemoryMetrics,
  createSsmClient,
  DENY_ALL,
  METRIC,
  parseGovernancePolicy,
  ssmPolicySource,
  type PolicySource,
} from '../src/platform';

const policy = (...names: string[]) => JSON.stringify({ tools: names.map((name) => ({ name })) });

describe('parseGovernancePolicy', () => {
  it('names the problem in an invalid policy', () => {
    expect(() => parseGovernancePolicy('{')).toThrow(/not valid JSON/);
    expect(() => parseGovernancePolicy('{"tools":[{"tool":"x"}]}')).toThrow(/invalid[\s\S]*tools/);
    expect(() => parseGovernancePolicy('{"tools":[],"limits":{"per_server":{"requests":0,"window_seconds":60}}}')).toThrow(/requests/);
  });
});

describe('cached policy', () => {
  let text: string | Error;
  let now: number;
  const source: PolicySource = { description: 'test', read: async () => (text instanceof Error ? Promise.reject(text) : text) };
  const make = () => {
    const metrics = createMemoryMetrics();
    return { metrics, provider: createCachedPolicy({ source, ttlMs: 1000, maxStalenessMs: 5000, metrics, logger: createLogger('t', 'SILENT'), clock: () => now }) };
  };
  beforeEach(() => {
    now = 0;
    text = policy('a');
  });

  it('reads once per TTL', async () => {
    const { provider } = make();
    expect((await provider.current()).tools).toEqual([{ name: 'a' }]);
    text = policy('b');
    now = 999;
    expect((await provider.current()).tools).toEqual([{ name: 'a' }]);
    now = 1000;
    expect((await provider.current()).tools).toEqual([{ name: 'b' }]);
  });

  it('denies all when the first read fails, and counts it', async () => {
    text = new Error('boom');
    const { provider, metrics } = make();
    expect(await provider.current()).toEqual(DENY_ALL);
    expect(metrics.counter(METRIC.policyLoadFailures)).toBe(1);
  });

  it('keeps the last good policy until the maximum staleness, then denies all', async () => {
    const { provider, metrics } = make();
    await provider.current();
    text = 'not json';
    now = 4999;
    expect((await provider.current()).tools).toEqual([{ name: 'a' }]);
    now = 5000;
    expect(await provider.current()).toEqual(DENY_ALL);
    expect(metrics.counter(METRIC.policyLoadFailures)).toBe(1);
    text = policy('c');
    now = 6000;
    expect((await provider.current()).tools).toEqual([{ name: 'c' }]);
  });
});

describe('SSM policy source (real SSM client against a protocol-faithful endpoint)', () => {
  // What every policy source does is in tests/contracts/policy-source.contract.test.ts.
  let ssm: SsmTestEndpoint;
  beforeAll(async () => {
    ssm = await startSsmTestEndpoint();
  });
  afterAll(() => ssm.stop());

  it('reads a SecureString parameter decrypted', async () => {
    ssm.put('/gmcp/prod/ops-writer/governance', policy('restart_service'), 'SecureString');
    const source = ssmPolicySource(createSsmClient({ region: 'us-east-1', endpoint: ssm.endpoint }), '/gmcp/prod/ops-writer/governance');
    expect(await source.read()).toBe(policy('restart_service'));
  });
});

describe('cached policy under concurrent requests', () => {
  it('makes requests that arrive during a refresh wait for the new policy', async () => {
    let now = 0;
    let text = policy('old');
    let release!: () => void;
    let gate: Promise<void> = Promise.resolve();
    const source: PolicySource = { description: 'slow', read: async () => { await gate; return text; } };
    const provider = createCachedPolicy({ source, ttlMs: 10, maxStalenessMs: 1000, metrics: createMemoryMetrics(), logger: createLogger('t', 'SILENT'), clock: () => now });
    await provider.current();
    text = policy('new');
    gate = new Promise((resolve) => (release = resolve));
    now = 10;
    const during = [provider.current(), provider.current(), provider.current()];
    release();
    expect((await Promise.all(during)).map((p) => p.tools[0]!.name)).toEqual(['new', 'new', 'new']);
  });
});
