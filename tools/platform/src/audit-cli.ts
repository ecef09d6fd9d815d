import { parseArgs } from 'node:util';
import { z } from 'zod';
import { Duration } from '@gmcp/dev-issuer';
import {
  AUDIT_EVENTS,
  createAuditDigest,
  createDigestS3Client,
  createDynamoDbAuditStore,
  createKmsClient,
  createKmsDigestSigner,
  createS3DigestStore,
  type DigestStore,
  exportLines,
  formatReport,
  recordsIn,
  verifyAuditDigests,
  checkCallPairs,
  checkWriterChains,
  createDynamoDbClient,
  createRecordVerifier,
  DECISIONS,
  type AuditAnomaly,
  type AuditQuery,
  type AuditRecord,
  type AuditStore,
} from '@gmcp/mcp-kit/platform';
import { digestIndexPath, digestPublicKeyPath, legacyAuditKeyPath, LOCAL_TABLES, serverAuditKeyDir } from './local-contract';
import { connectLocalDynamoDb } from './local-aws';
import { checkDigestIndex, listInDigestIndex, localDigestSigner, localDigestStore, startDigestIndex } from './local-digests';
import { verifyExport } from './standalone-verifier';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

// See tools/jest/setup-env.js: the Node 22 notice concerns SDK releases after January 2027.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE = `Usage:
  npm run audit -- query [--actor <subject>] [--tool <name>] [--decision allowed|denied] [--event <event>]
                         [--server <name>] [--since 1h] [--until <ISO time>] [--limit 50] [--cursor <c>] [--all] [--json]
  npm run audit -- verify [--since 24h] [--until <ISO time>]
  npm run audit -- digest
  npm run audit -- export [--since 24h] [--out <file>]
  npm run audit -- verify-export <file> --public-key <pem file>
  npm run audit -- public-key
  npm run audit -- start-index                      (local: list today's digests in a new digest index)

verify checks each record's signature (HMAC, with its own server's key: a record signed with
another server's key is tampered) since --since, each writer's chain (a record missing from the
middle of a writer's run is a gap) and that every allowed call has its outcome, then the whole
digest chain: every digest's signature and link, and every digested record (edited, missing,
added after its digest). digest signs a digest of the records written since the last one (npm
start writes one every minute while it runs, AUDIT_DIGEST_INTERVAL_SECONDS, and when it stops). export writes JSON Lines: the digests covering the period and every record in their
ranges and after; verify-export checks such a file with nothing but the digests' public key.

--since takes a duration back from now (90s, 15m, 1h, 7d) or an ISO time. Newest records first.
Local mode reads the platform's local DynamoDB (running or not). With AUDIT_MODE=aws it reads
the table AUDIT_TABLE in AWS_REGION, verifies with AUDIT_HMAC_KEYS (server=base64key pairs,
comma-separated: every key each server has had), and reads the digests from the bucket
AUDIT_DIGEST_BUCKET and their public key from KMS (AUDIT_DIGEST_KEY_ID).`;

const When = z.string().transform((text, ctx) => {
  const duration = Duration.safeParse(text);
  if (duration.success) return new Date(Date.now() - duration.data * 1000);
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is neither a duration (1h, 7d) nor an ISO time` });
    return z.NEVER;
  }
  return time;
});

const Options = z.object({
  actor: z.string().optional(),
  tool: z.string().optional(),
  decision: z.enum(DECISIONS).optional(),
  event: z.enum(AUDIT_EVENTS).optional(),
  server: z.string().optional(),
  since: When.optional(),
  until: When.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().optional(),
  all: z.boolean().default(false),
  json: z.boolean().default(false),
});
type Options = z.output<typeof Options>;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      actor: { type: 'string' },
      tool: { type: 'string' },
      decision: { type: 'string' },
      event: { type: 'string' },
      server: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      all: { type: 'boolean' },
      json: { type: 'boolean' },
      out: { type: 'string' },
      'public-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !COMMANDS.includes(command as (typeof COMMANDS)[number])) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (command === 'verify-export') return verifyExportFile(positionals[1], values['public-key']);
  if (command === 'start-index') {
    const listed = await startDigestIndex().catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') throw new Error(`${digestIndexPath()} exists already: it is only ever appended to`);
      throw error;
    });
    console.log(`Started ${digestIndexPath()} with ${listed} digest(s), trusted as they are now.`);
    return 0;
  }
  if (command === 'public-key') {
    // Creates the key on first use, and publishes it where verifiers read it.
    console.log((await (await localDigestSigner()).publicKeyPem()).trim());
    return 0;
  }
  const { out: _out, 'public-key': _key, ...queryValues } = values;
  const parsed = Options.safeParse(queryValues);
  if (!parsed.success) {
    console.error(`${parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`).join('\n')}\n\n${USAGE}`);
    return 2;
  }
  const store = await openStore();
  try {
    if (command === 'query') return await query(store.audit, parsed.data);
    if (command === 'digest') return await digestNow(store.audit);
    if (command === 'export') return await exportAudit(store.audit, parsed.data, values.out);
    const signatures = await verify(store.audit, store.verifier, parsed.data);
    const chain = await verifyChain(store.audit);
    return signatures || chain;
  } finally {
    await store.close();
  }
}

type RecordVerifier = ReturnType<typeof createRecordVerifier>;

async function openStore(): Promise<{ audit: AuditStore; verifier: RecordVerifier; close(): Promise<void> }> {
  if (process.env.AUDIT_MODE === 'aws') {
    const client = createDynamoDbClient({ region: process.env.AWS_REGION ?? 'us-east-1' });
    return { audit: createDynamoDbAuditStore(client, process.env.AUDIT_TABLE ?? LOCAL_TABLES.audit), verifier: awsVerifier(process.env), close: async () => client.destroy() };
  }
  const local = await connectLocalDynamoDb(process.env);
  const client = createDynamoDbClient({ region: 'local', endpoint: local.endpoint });
  return {
    audit: createDynamoDbAuditStore(client, LOCAL_TABLES.audit),
    verifier: await localVerifier(),
    close: async () => {
      client.destroy();
      await local.close();
    },
  };
}

/**
 * AUDIT_HMAC_KEYS: `server=base64key` pairs, comma-separated, every key each server has had
 * (the SSM parameter's history: `aws ssm get-parameter-history --with-decryption`);
 * AUDIT_HMAC_KEY, if set, verifies records from before keys had ids.
 */
function awsVerifier(env: NodeJS.ProcessEnv): RecordVerifier {
  const pairs = (env.AUDIT_HMAC_KEYS ?? '').split(',').map((pair) => pair.trim()).filter(Boolean);
  if (pairs.length === 0) throw new Error('AUDIT_HMAC_KEYS is required with AUDIT_MODE=aws: server=base64key pairs, comma-separated, one per key each server has had');
  const keys: Record<string, Buffer[]> = {};
  for (const pair of pairs) {
    const [server, key] = pair.split('=', 2);
    if (!server || !key) throw new Error(`AUDIT_HMAC_KEYS: "${pair.slice(0, 20)}…" is not server=base64key`);
    (keys[server] ??= []).push(Buffer.from(key, 'base64'));
  }
  if (env.AUDIT_HMAC_KEY && !env.AUDIT_LEGACY_UNTIL) throw new Error('AUDIT_HMAC_KEY (the shared key of earlier versions) needs AUDIT_LEGACY_UNTIL: the ISO time of the first deploy with a key per server');
  return createRecordVerifier(keys, env.AUDIT_HMAC_KEY ? { keys: [Buffer.from(env.AUDIT_HMAC_KEY, 'base64')], until: new Date(env.AUDIT_LEGACY_UNTIL!).toISOString() } : undefined);
}

/** Every server's keys in the state folder (never created here: verifying with a new key would call every record tampered). */
async function localVerifier(): Promise<RecordVerifier> {
  const servers = await readdir(dirname(serverAuditKeyDir('any')), { withFileTypes: true }).catch(() => []);
  const keys: Record<string, Buffer[]> = {};
  let firstKeyAt = Date.now();
  for (const entry of servers.filter((candidate) => candidate.isDirectory())) {
    const folder = serverAuditKeyDir(entry.name);
    keys[entry.name] = await Promise.all(
      (await readdir(folder)).map(async (file) => {
        firstKeyAt = Math.min(firstKeyAt, (await stat(join(folder, file))).mtimeMs);
        return Buffer.from((await readFile(join(folder, file), 'utf8')).trim(), 'base64');
      }),
    );
  }
  const legacy = await readFile(legacyAuditKeyPath(), 'utf8').then((text) => [Buffer.from(text.trim(), 'base64')], () => []);
  if (Object.keys(keys).length === 0 && legacy.length === 0) {
    throw new Error(`No audit keys under ${dirname(serverAuditKeyDir('any'))}: the platform has not written any audit record in this state folder yet.`);
  }
  // The shared key of earlier versions counts for records older than the first key per server only.
  return createRecordVerifier(keys, legacy.length ? { keys: legacy, until: new Date(firstKeyAt).toISOString() } : undefined);
}

function toQuery(options: Options, defaultSince: number): AuditQuery {
  return {
    actor: options.actor,
    tool: options.tool,
    decision: options.decision,
    event: options.event,
    server: options.server,
    since: options.since ?? new Date(Date.now() - defaultSince * 1000),
    until: options.until,
    limit: options.limit,
    cursor: options.cursor,
  };
}

async function query(store: AuditStore, options: Options): Promise<number> {
  const request = toQuery(options, 3600);
  let page = await store.query(request);
  const shown: AuditRecord[] = [...page.records];
  while (options.all && page.cursor) {
    page = await store.query({ ...request, cursor: page.cursor });
    shown.push(...page.records);
  }
  if (options.json) {
    console.log(JSON.stringify({ records: shown, cursor: page.cursor ?? null }, null, 2));
    return 0;
  }
  printTable(shown);
  if (page.cursor) console.log(`\nMore records: add --cursor ${page.cursor} (or --all)`);
  return 0;
}

async function verify(store: AuditStore, verifier: RecordVerifier, options: Options): Promise<number> {
  const request = { ...toQuery(options, 86_400), limit: 1000, cursor: undefined };
  const records: AuditRecord[] = [];
  const tampered: AuditRecord[] = [];
  const anomalies: AuditAnomaly[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ ...request, cursor });
    for (const record of page.records) {
      records.push(record);
      if (!verifier.verify(record)) tampered.push(record);
    }
    anomalies.push(...page.anomalies);
    cursor = page.cursor;
  } while (cursor);
  console.log(`Checked ${records.length + anomalies.length} stored item(s) since ${request.since.toISOString()}.`);
  // Chains and pairs are judged on the records whose signatures hold, and only on a whole range (a filter would leave holes).
  const genuine = records.filter((record) => !tampered.includes(record));
  const whole = [options.actor, options.tool, options.decision, options.event, options.server].every((filter) => filter === undefined);
  const trail = whole ? [...checkWriterChains(genuine), ...checkCallPairs(genuine, { since: request.since, until: request.until ?? new Date() })] : [];
  if (!whole) console.log('Filtered: writer chains and call pairs are checked on a whole time range only (no --actor, --tool, --decision, --event, --server).');
  if (tampered.length === 0 && anomalies.length === 0 && trail.length === 0) {
    console.log(`All signatures match; every writer's records follow each other without a gap, and every call has its outcome.`);
    return 0;
  }
  if (trail.length > 0) {
    console.log(`${trail.length} finding(s) in the trail (a gap is a deleted record, or one the store refused: see AuditWriteFailures and the log):`);
    for (const finding of trail) console.log(`  ${finding.kind}  ${finding.detail}`);
  }
  if (tampered.length > 0) {
    console.log(`${tampered.length} record(s) no longer match their signature:`);
    printTable(tampered);
  }
  if (anomalies.length > 0) {
    console.log(`${anomalies.length} stored item(s) are not records as written:`);
    for (const anomaly of anomalies) console.log(`  ${anomaly.location}  ${anomaly.problem}  ${anomaly.detail}`);
  }
  return 1;
}

const COMMANDS = ['query', 'verify', 'digest', 'export', 'verify-export', 'public-key', 'start-index'] as const;

/** Where the digests and their public key are: the state folder, or (AUDIT_MODE=aws) the stage's digest bucket. */
function digestSource(): { store: DigestStore; publicKey(): Promise<string> } {
  if (process.env.AUDIT_MODE !== 'aws') return { store: localDigestStore(), publicKey: () => readFile(digestPublicKeyPath(), 'utf8') };
  const bucket = process.env.AUDIT_DIGEST_BUCKET;
  if (!bucket) throw new Error('AUDIT_DIGEST_BUCKET is required with AUDIT_MODE=aws (the stage output auditDigests)');
  const keyId = process.env.AUDIT_DIGEST_KEY_ID;
  if (!keyId) throw new Error('AUDIT_DIGEST_KEY_ID is required with AUDIT_MODE=aws: the public key is read from KMS, never from the bucket');
  const region = process.env.AWS_REGION ?? 'us-east-1';
  return {
    store: createS3DigestStore(createDigestS3Client({ region }), bucket),
    publicKey: () => createKmsDigestSigner(createKmsClient({ region }), keyId).publicKeyPem(),
  };
}

async function digestNow(store: AuditStore): Promise<number> {
  if (process.env.AUDIT_MODE === 'aws') throw new Error('On AWS the scheduled function writes the digests (gmcp-<stage>-audit-digest); invoke it to digest now.');
  // Servers may still be writing: leave the last 30 s for the next digest.
  const digest = await createAuditDigest({ store, digests: localDigestStore(), signer: await localDigestSigner(), settleMs: 30_000 });
  if (digest) await listInDigestIndex(digest);
  console.log(
    digest
      ? `Digest written: ${digest.record_count} record(s), ${digest.range.start} → ${digest.range.end} (records of the last 30 s go into the next digest; npm start writes one when it stops)`
      : 'Nothing to digest yet: the last digest is under 30 s old.',
  );
  return 0;
}

/** The digest chain from its first range to now, against the published public key. */
async function verifyChain(store: AuditStore): Promise<number> {
  const source = digestSource();
  const digests = await source.store.list();
  // Locally the index is what shows the newest digest removed together with its records (on AWS, S3 Object Lock keeps it).
  const index = process.env.AUDIT_MODE === 'aws' ? [] : await checkDigestIndex(digests);
  if (index.length > 0) console.log(`\nDigest index (${digestIndexPath()}):\n${index.map((finding) => `  ${finding}`).join('\n')}`);
  if (digests.length === 0) {
    console.log('No audit digests yet (npm run audit -- digest).');
    return index.length === 0 ? 0 : 1;
  }
  const records = await recordsIn(store, digests[0]!.range.start, new Date(Date.now() + 1000).toISOString());
  const maxRange = Number(process.env.AUDIT_DIGEST_MAX_RANGE_MINUTES ?? 0);
  const report = verifyAuditDigests({
    records,
    digests,
    publicKey: await source.publicKey(),
    anchor: 'genesis',
    chainStart: process.env.AUDIT_DIGEST_CHAIN_START,
    maxRangeMs: maxRange > 0 ? maxRange * 60_000 : undefined,
  });
  console.log(`\nDigest chain (${source.store.description}):\n${formatReport(report)}`);
  return report.ok && index.length === 0 ? 0 : 1;
}

async function exportAudit(store: AuditStore, options: Options, out: string | undefined): Promise<number> {
  const since = (options.since ?? new Date(Date.now() - 86_400_000)).toISOString();
  const all = await digestSource().store.list();
  const digests = all.filter((digest) => digest.range.end > since);
  // Whole ranges: a record of a range that starts before --since is still exported, so that the range verifies.
  const from = digests[0]?.range.start ?? since;
  const records = await recordsIn(store, from < since ? from : since, new Date(Date.now() + 1000).toISOString());
  const text = exportLines(digests, records);
  if (out) await writeFile(out, text);
  else process.stdout.write(text);
  const key = process.env.AUDIT_MODE === 'aws' ? `<the PEM of aws kms get-public-key --key-id ${process.env.AUDIT_DIGEST_KEY_ID}>` : digestPublicKeyPath();
  console.error(`Exported ${digests.length} digest(s) and ${records.length} record(s) since ${from < since ? from : since}${out ? ` to ${out}` : ''}; verify with: npm run audit -- verify-export <file> --public-key ${key}`);
  return 0;
}

async function verifyExportFile(file: string | undefined, publicKeyFile: string | undefined): Promise<number> {
  if (!file || !publicKeyFile) {
    console.error('Usage: npm run audit -- verify-export <file> --public-key <pem file>');
    return 2;
  }
  const result = verifyExport(await readFile(file, 'utf8'), await readFile(publicKeyFile, 'utf8'));
  console.log(result.text);
  return result.ok ? 0 : 1;
}

function printTable(records: AuditRecord[]): void {
  if (records.length === 0) {
    console.log('No audit records match.');
    return;
  }
  const rows = records.map((record) => [
    record.time.replace('T', ' ').slice(0, 23),
    record.event,
    record.decision,
    record.reason,
    record.server,
    record.tool ?? '-',
    record.actor?.subject ?? '(unauthenticated)',
    record.outcome ?? '-',
    record.duration_ms === undefined ? '-' : `${record.duration_ms}ms`,
    record.request_id,
  ]);
  const header = ['time (UTC)', 'event', 'decision', 'reason', 'server', 'tool', 'actor', 'outcome', 'took', 'request id'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  console.log(line(header));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of rows) console.log(line(row));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
