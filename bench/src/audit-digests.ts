/**
 * The cost of audit digests: creating one over RECORDS records (100k by default) read from
 * the audit table (local DynamoDB), and verifying them — the whole check from the store, and
 * the verification alone (records per second), as an auditor's export verifier runs it.
 *
 *   npm run bench:digests          (RECORDS=20000 npm run bench:digests)
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { startLocalDynamoDb } from '@gmcp/local-aws';
import {
  auditItem,
  auditTableDefinition,
  createAuditDigest,
  createDynamoDbAuditStore,
  createDynamoDbClient,
  createEd25519DigestSigner,
  createFolderDigestStore,
  createRecordSigner,
  ensureTables,
  exportLines,
  newEventId,
  parseExport,
  recordsIn,
  verifyAuditDigests,
  type AuditRecord,
} from '@gmcp/mcp-kit/platform';
import { runBenchmark } from './support/bench-platform';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const RECORDS = Number(process.env.RECORDS ?? 100_000);
const TABLE = 'bench-digests';

async function main() {
  const dynamodb = await startLocalDynamoDb();
  const client = createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint });
  const dir = await mkdtemp(join(tmpdir(), 'gmcp-bench-digests-'));
  try {
    await ensureTables(client, [auditTableDefinition(TABLE)]);
    const store = createDynamoDbAuditStore(client, TABLE);
    const start = new Date(Date.now() - 2 * 3_600_000);
    const loading = Date.now();
    await load(client, start, RECORDS);
    console.log(`Loaded ${RECORDS} signed records in ${((Date.now() - loading) / 1000).toFixed(1)} s (bulk writes; not measured below)`);

    const signer = createEd25519DigestSigner(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const digests = createFolderDigestStore(dir);
    const created = await timed(() => createAuditDigest({ store, digests, signer, settleMs: 0, firstStart: new Date(start.getTime() - 1000) }));
    const [file] = await readdir(dir);
    const size = (await stat(join(dir, file!))).size;
    console.log(`Digest creation, ${created.value!.record_count} records: ${created.ms.toFixed(0)} ms (read from the store, hash, sign, write ${(size / 1_048_576).toFixed(1)} MiB)`);

    const publicKey = await signer.publicKeyPem();
    const fromStore = await timed(async () => {
      const records = await recordsIn(store, created.value!.range.start, new Date().toISOString());
      return verifyAuditDigests({ records, digests: await digests.list(), publicKey, anchor: 'genesis' });
    });
    console.log(`Verify from the store: ${fromStore.ms.toFixed(0)} ms, ${rate(RECORDS, fromStore.ms)} records/s, ok=${fromStore.value.ok}`);

    const exported = exportLines(await digests.list(), await recordsIn(store, created.value!.range.start, new Date().toISOString()));
    const alone = await timed(async () => verifyAuditDigests({ ...parseExport(exported), publicKey, anchor: 'partial' }));
    console.log(`Verify an export (${(exported.length / 1_048_576).toFixed(1)} MiB, parse + verify, no store): ${alone.ms.toFixed(0)} ms, ${rate(RECORDS, alone.ms)} records/s, ok=${alone.value.ok}`);
  } finally {
    client.destroy();
    await dynamodb.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function load(client: ReturnType<typeof createDynamoDbClient>, start: Date, count: number): Promise<void> {
  const hmac = createRecordSigner(randomBytes(32));
  const stepMs = 3_600_000 / count;
  const batches: AuditRecord[][] = [];
  for (let index = 0; index < count; index += 25) {
    batches.push(
      Array.from({ length: Math.min(25, count - index) }, (_, offset) => {
        const time = new Date(start.getTime() + (index + offset) * stepMs);
        return hmac.sign({ event_id: newEventId(time), event: 'tool_allowed', time: time.toISOString(), server: 'bench', server_version: '1', request_id: `r${index + offset}`, tool: 'echo', actor: { subject: `user${(index + offset) % 50}`, client_id: 'bench' }, source: { ip: '127.0.0.1' }, decision: 'allowed', reason: 'policy_allowed', risk: 'low', arguments: '{"message":"hello"}' });
      }),
    );
  }
  for (let next = 0; next < batches.length; next += 8) {
    await Promise.all(batches.slice(next, next + 8).map((batch) => client.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: batch.map((record) => ({ PutRequest: { Item: marshall(auditItem(record), { removeUndefinedValues: true }) } })) } }))));
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const began = performance.now();
  const value = await work();
  return { value, ms: performance.now() - began };
}

const rate = (records: number, ms: number) => Math.round((records / ms) * 1000).toLocaleString('en-US');

runBenchmark(main);
