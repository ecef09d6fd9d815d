import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSigningKey, mintAccessToken, startDevIssuer, type DevIssuer } from '@gmcp/dev-issuer';
import { startLocalDynamoDb, type LocalDynamoDb } from '@gmcp/local-aws';
import { definitionHash, type ToolDefinition } from '@gmcp/mcp-kit/platform';
import { localGovernanceEnv, prepareLocalTables } from '@gmcp/platform';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** What a benchmark needs around the servers it measures: an issuer, a local DynamoDB, a policy. */
export interface BenchPlatform {
  issuer: DevIssuer;
  /** Environment for a kit server: PORT 0, the issuer, and governance on the local peers. */
  env: Record<string, string>;
  dynamodb(): LocalDynamoDb;
  /** Stops and restarts the local DynamoDB on the same port and data (persistent only). */
  stopDynamoDb(): Promise<void>;
  startDynamoDb(): Promise<void>;
  token(subject: string, audience: string, scopes: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** The allowlist of a benchmark: its tools, each pinned to its current definition, and its limits. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any tool's schemas
export function allowlistOf(tools: readonly ToolDefinition<any, any, any>[], limits: Record<string, unknown> = {}) {
  return { tools: tools.map((tool) => ({ name: tool.name, definition: definitionHash(tool) })), limits };
}

export async function startBenchPlatform(options: { policy: ReturnType<typeof allowlistOf>; persistent: boolean }): Promise<BenchPlatform> {
  const dir = await mkdtemp(join(tmpdir(), 'gmcp-bench-'));
  const key = await loadOrCreateSigningKey(join(dir, 'key.json'));
  const issuer = await startDevIssuer(key, { port: 0 });
  const path = options.persistent ? join(dir, 'dynamodb') : undefined;
  let dynamodb = await startLocalDynamoDb({ path });
  const port = Number(new URL(dynamodb.endpoint).port);
  await prepareLocalTables(dynamodb.endpoint);
  const policyFile = join(dir, 'governance.json');
  await writeFile(policyFile, JSON.stringify(options.policy));
  return {
    issuer,
    env: {
      PORT: '0',
      AUTH_ISSUER: issuer.issuer,
      LOG_LEVEL: 'SILENT',
      ...localGovernanceEnv({ dynamoDbEndpoint: dynamodb.endpoint, auditKey: Buffer.alloc(32, 1).toString('base64'), governanceFile: policyFile }),
    },
    dynamodb: () => dynamodb,
    stopDynamoDb: () => dynamodb.stop(),
    startDynamoDb: async () => {
      dynamodb = await startLocalDynamoDb({ port, path });
    },
    token: (subject, audience, scopes) => mintAccessToken(key, { issuer: issuer.issuer, subject, audience, scopes }),
    stop: async () => {
      await issuer.stop();
      await dynamodb.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a benchmark's main function and exits non-zero on failure. */
export function runBenchmark(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

/** The value at `fraction` of the samples (0.5: the median), in whatever order they come. */
export function percentile(samples: readonly number[], fraction: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
}
