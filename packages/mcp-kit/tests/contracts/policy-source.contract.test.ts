import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSsmTestEndpoint } from '@gmcp/local-aws';
import { createSsmClient } from '../../src/aws/clients';
import { createCachedPolicy } from '../../src/governance/cached-policy';
import { filePolicySource } from '../../src/governance/file-policy-source';
import { DENY_ALL, parseGovernancePolicy } from '../../src/governance/governance-policy';
import type { PolicySource } from '../../src/governance/policy-source';
import { ssmPolicySource } from '../../src/governance/ssm-policy-source';
import { createLogger } from '../../src/logging/logger';
import { createMemoryMetrics } from '../../src/metrics/memory-metrics';

/** One adapter of the port, started on real local peers, with the means to act on its store. */
interface PolicySourceUnderTest {
  source: PolicySource;
  /** Where the policy lives (a path, a parameter name): what the description must name. */
  location: string;
  /** Stores the policy text, as an operator deploying a policy would. */
  write(text: string): Promise<void>;
  /** A source of the same kind whose policy does not exist, and what its rejection says. */
  missing: { source: PolicySource; error: object };
  /** Makes the store unreadable (an outage); the returned function makes it readable again. */
  breakStore(): Promise<() => Promise<void>>;
  stop(): Promise<void>;
}

interface PolicySourceAdapter {
  name: string;
  start(): Promise<PolicySourceUnderTest>;
}

const adapters: PolicySourceAdapter[] = [
  {
    name: 'file',
    async start() {
      const dir = await mkdtemp(join(tmpdir(), 'policy-contract-'));
      const path = join(dir, 'governance.json');
      let stored = '';
      const write = async (text: string) => {
        stored = text;
        await writeFile(path, text);
      };
      return {
        source: filePolicySource(path),
        location: path,
        write,
        missing: { source: filePolicySource(join(dir, 'missing.json')), error: { code: 'ENOENT' } },
        async breakStore() {
          // A folder where the file should be: the read fails (EISDIR) as an unreadable file would.
          await rm(path, { force: true });
          await mkdir(path);
          return async () => {
            await rm(path, { recursive: true });
            await write(stored);
          };
        },
        stop: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'SSM Parameter Store (real SSM client against a protocol-faithful endpoint)',
    async start() {
      const ssm = await startSsmTestEndpoint();
      const client = createSsmClient({ region: 'us-east-1', endpoint: ssm.endpoint });
      const name = '/gmcp/prod/policy-reader/governance';
      return {
        source: ssmPolicySource(client, name),
        location: name,
        write: async (text) => ssm.put(name, text),
        missing: { source: ssmPolicySource(client, '/missing'), error: { name: 'ParameterNotFound' } },
        async breakStore() {
          ssm.setAvailable(false);
          return async () => {
            ssm.setAvailable(true);
          };
        },
        async stop() {
          client.destroy();
          await ssm.stop();
        },
      };
    },
  },
];

const policy = (...names: string[]) => JSON.stringify({ tools: names.map((name) => ({ name })) });

// One contract, every adapter: a policy reads the same from a file locally and from SSM on AWS.
describe.each(adapters)('PolicySource contract: $name', ({ start }) => {
  const started: PolicySourceUnderTest[] = [];
  const begin = async () => {
    const subject = await start();
    started.push(subject);
    return subject;
  };
  afterAll(() => Promise.all(started.map((subject) => subject.stop())));

  it('reads the policy text exactly as stored', async () => {
    const { source, write } = await begin();
    const text = `${JSON.stringify({ tools: [{ name: 'search_policies' }, { name: 'recherche_polices_é✓', risk: 'high' }] }, null, 2)}\n`;
    await write(text);
    expect(await source.read()).toBe(text);
    expect(parseGovernancePolicy(await source.read()).tools).toEqual([{ name: 'search_policies' }, { name: 'recherche_polices_é✓', risk: 'high' }]);
  });

  it('reads the current text on every call (caching is the cached policy’s job)', async () => {
    const { source, write } = await begin();
    await write(policy('a'));
    expect(await source.read()).toBe(policy('a'));
    await write(policy('a', 'b'));
    expect(await source.read()).toBe(policy('a', 'b'));
  });

  it('names where the policy comes from in its description', async () => {
    const { source, location } = await begin();
    expect(source.description).toContain(location);
  });

  it('rejects, naming the problem, when the policy does not exist', async () => {
    const { missing } = await begin();
    await expect(missing.source.read()).rejects.toMatchObject(missing.error);
  });

  it('rejects while its store cannot be read, and reads again once it can', async () => {
    const { source, write, breakStore } = await begin();
    await write(policy('x'));
    const repair = await breakStore();
    await expect(source.read()).rejects.toThrow();
    await repair();
    expect(await source.read()).toBe(policy('x'));
  });

  it('behind the cached policy: sees updates after the TTL, and rides out an outage on the last good value until it is too stale', async () => {
    const { source, write, breakStore } = await begin();
    await write(policy('search_policies'));
    let now = 0;
    const metrics = createMemoryMetrics();
    const provider = createCachedPolicy({ source, ttlMs: 100, maxStalenessMs: 1000, metrics, logger: createLogger('t', 'SILENT'), clock: () => now });
    expect((await provider.current()).tools).toEqual([{ name: 'search_policies' }]);

    await write(policy('search_policies', 'get_policy'));
    now = 100;
    expect((await provider.current()).tools.map((tool) => tool.name)).toEqual(['search_policies', 'get_policy']);

    const repair = await breakStore();
    now = 500;
    expect((await provider.current()).tools).toHaveLength(2);
    now = 1100;
    expect(await provider.current()).toEqual(DENY_ALL);
    await repair();
    now = 1200;
    expect((await provider.current()).tools).toHaveLength(2);
  });
});
