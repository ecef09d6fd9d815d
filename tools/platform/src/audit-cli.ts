import { parseArgs } from 'node:util';
import { z } from 'zod';
import { Duration } from '@gmcp/dev-issuer';
import {
  AUDIT_EVENTS,
  createAuditDigest,
  createDigestS3Client,
  createDynamoDbAuditStore,
  createFileAuditStore,
  createKmsClient,
  createKmsDigestSigner,
  createS3DigestStore,
  formatReport,
  createAuditReader,
  createDynamoDbClient,
  type AuditReader,
  type AuditReaderOptions,
  createRecordVerifier,
  type RecordVerifier,
  DECISIONS,
  type AuditQuery,
  type AuditRecord,
  type AuditStore,
} from '@gmcp/mcp-kit/platform';
import { auditRecordsDir, digestIndexPath, digestPublicKeyPath, LOCAL_TABLES } from './local-contract';
import { listInDigestIndex, localDigestSigner, localDigestStore, startDigestIndex } from './local-digests';
import { localDigestChecks, localVerifier } from './local-audit-reader';
import { verifyExport } from './standalone-verifier';
import { readFile, writeFile } from 'node:fs/promises';

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
Local mode reads the platform's audit files in .local/audit/records (running or not). With AUDIT_MODE=aws it reads
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
    const reader = createAuditReader({ store: store.audit, verifier: store.verifier, ...digestChecks() });
    if (command === 'export') return await exportAudit(reader, parsed.data, values.out);
    const signatures = await verify(reader, parsed.data);
    const chain = await verifyChain(reader);
    return signatures || chain;
  } finally {
    await store.close();
  }
}

async function openStore(): Promise<{ audit: AuditStore; verifier: RecordVerifier; close(): Promise<void> }> {
  if (process.env.AUDIT_MODE === 'aws') {
    const client = createDynamoDbClient({ region: process.env.AWS_REGION ?? 'us-east-1' });
    return { audit: createDynamoDbAuditStore(client, process.env.AUDIT_TABLE ?? LOCAL_TABLES.audit), verifier: awsVerifier(process.env), close: async () => client.destroy() };
  }
  return { audit: createFileAuditStore(auditRecordsDir(process.env)), verifier: await localVerifier(), close: async () => undefined };
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

async function verify(reader: AuditReader, options: Options): Promise<number> {
  const { limit: _limit, cursor: _cursor, ...range } = toQuery(options, 86_400);
  const check = await reader.verify(range);
  console.log(`Checked ${check.checked} stored item(s) since ${check.since.toISOString()}.`);
  if (!check.whole) console.log('Filtered: writer chains and call pairs are checked on a whole time range only (no --actor, --tool, --decision, --event, --server).');
  if (check.ok) {
    console.log(`All signatures match; every writer's records follow each other without a gap, and every call has its outcome.`);
    return 0;
  }
  if (check.findings.length > 0) {
    console.log(`${check.findings.length} finding(s) in the trail (a gap is a deleted record, or one the store refused: see AuditWriteFailures and the log):`);
    for (const finding of check.findings) console.log(`  ${finding.kind}  ${finding.detail}`);
  }
  if (check.tampered.length > 0) {
    console.log(`${check.tampered.length} record(s) no longer match their signature:`);
    printTable(check.tampered);
  }
  if (check.anomalies.length > 0) {
    console.log(`${check.anomalies.length} stored item(s) are not records as written:`);
    for (const anomaly of check.anomalies) console.log(`  ${anomaly.location}  ${anomaly.problem}  ${anomaly.detail}`);
  }
  return 1;
}

const COMMANDS = ['query', 'verify', 'digest', 'export', 'verify-export', 'public-key', 'start-index'] as const;

/** Where the digests and their public key are, and what else is checked: the state folder (with its digest index), or (AUDIT_MODE=aws) the stage's digest bucket. */
function digestChecks(): Pick<AuditReaderOptions, 'digests' | 'checkIndex' | 'chainStart' | 'maxRangeMs'> {
  const maxRange = Number(process.env.AUDIT_DIGEST_MAX_RANGE_MINUTES ?? 0);
  const schedule = { chainStart: process.env.AUDIT_DIGEST_CHAIN_START, maxRangeMs: maxRange > 0 ? maxRange * 60_000 : undefined };
  if (process.env.AUDIT_MODE !== 'aws') return { ...localDigestChecks(), ...schedule };
  const bucket = process.env.AUDIT_DIGEST_BUCKET;
  if (!bucket) throw new Error('AUDIT_DIGEST_BUCKET is required with AUDIT_MODE=aws (the stage output auditDigests)');
  const keyId = process.env.AUDIT_DIGEST_KEY_ID;
  if (!keyId) throw new Error('AUDIT_DIGEST_KEY_ID is required with AUDIT_MODE=aws: the public key is read from KMS, never from the bucket');
  const region = process.env.AWS_REGION ?? 'us-east-1';
  // On AWS, S3 Object Lock keeps the newest digest from being removed with its records: no index.
  return {
    digests: { store: createS3DigestStore(createDigestS3Client({ region }), bucket), publicKey: () => createKmsDigestSigner(createKmsClient({ region }), keyId).publicKeyPem() },
    ...schedule,
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
async function verifyChain(reader: AuditReader): Promise<number> {
  const state = await reader.chain();
  if (state.index.length > 0) console.log(`\nDigest index (${digestIndexPath()}):\n${state.index.map((finding) => `  ${finding}`).join('\n')}`);
  if (!state.report) {
    console.log('No audit digests yet (npm run audit -- digest).');
    return state.ok ? 0 : 1;
  }
  console.log(`\nDigest chain (${state.description}):\n${formatReport(state.report)}`);
  return state.ok ? 0 : 1;
}

async function exportAudit(reader: AuditReader, options: Options, out: string | undefined): Promise<number> {
  const exported = await reader.exportSince(options.since ?? new Date(Date.now() - 86_400_000));
  if (out) await writeFile(out, exported.text);
  else process.stdout.write(exported.text);
  const key = process.env.AUDIT_MODE === 'aws' ? `<the PEM of aws kms get-public-key --key-id ${process.env.AUDIT_DIGEST_KEY_ID}>` : digestPublicKeyPath();
  console.error(`Exported ${exported.digests} digest(s) and ${exported.records} record(s) since ${exported.from}${out ? ` to ${out}` : ''}; verify with: npm run audit -- verify-export <file> --public-key ${key}`);
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
    record.policies?.join(',') || '-',
    record.server,
    record.tool ?? '-',
    record.actor?.subject ?? '(unauthenticated)',
    record.outcome ?? '-',
    record.duration_ms === undefined ? '-' : `${record.duration_ms}ms`,
    record.request_id,
  ]);
  const header = ['time (UTC)', 'event', 'decision', 'reason', 'call policies', 'server', 'tool', 'actor', 'outcome', 'took', 'request id'];
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
