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
  createDynamoDbClient,
  createRecordSigner,
  DECISIONS,
  type AuditAnomaly,
  type AuditQuery,
  type AuditRecord,
  type AuditStore,
} from '@gmcp/mcp-kit/platform';
import { auditKeyPath, digestPublicKeyPath, LOCAL_TABLES } from './local-contract';
import { connectLocalDynamoDb } from './local-aws';
import { localDigestSigner, localDigestStore } from './local-digests';
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

verify checks each record's signature (HMAC) since --since, then the whole digest chain: every
digest's signature and link, and every digested record (edited, missing, added after its digest).
digest signs a digest of the records written since the last one (npm start also writes one when it
stops). export writes JSON Lines: the digests covering the period and every record in their
ranges and after; verify-export checks such a file with nothing but the digests' public key.

--since takes a duration back from now (90s, 15m, 1h, 7d) or an ISO time. Newest records first.
Local mode reads the platform's local DynamoDB (running or not). With AUDIT_MODE=aws it reads
the table AUDIT_TABLE in AWS_REGION, verifies with AUDIT_HMAC_KEY, and reads the digests and
their public key from the bucket AUDIT_DIGEST_BUCKET.`;

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
    const signatures = await verify(store.audit, store.key, parsed.data);
    const chain = await verifyChain(store.audit);
    return signatures || chain;
  } finally {
    await store.close();
  }
}

async function openStore(): Promise<{ audit: AuditStore; key: Buffer; close(): Promise<void> }> {
  if (process.env.AUDIT_MODE === 'aws') {
    const key = process.env.AUDIT_HMAC_KEY;
    if (!key) throw new Error('AUDIT_HMAC_KEY is required with AUDIT_MODE=aws');
    const client = createDynamoDbClient({ region: process.env.AWS_REGION ?? 'us-east-1' });
    return { audit: createDynamoDbAuditStore(client, process.env.AUDIT_TABLE ?? LOCAL_TABLES.audit), key: Buffer.from(key, 'base64'), close: async () => client.destroy() };
  }
  const local = await connectLocalDynamoDb(process.env);
  const client = createDynamoDbClient({ region: 'local', endpoint: local.endpoint });
  // Never create a key here: verifying with a new key would call every record tampered.
  const keyText = await readFile(auditKeyPath(), 'utf8').catch(() => {
    throw new Error(`No audit key at ${auditKeyPath()}: the platform has not written any audit record in this state folder yet.`);
  });
  const key = Buffer.from(keyText.trim(), 'base64');
  return {
    audit: createDynamoDbAuditStore(client, LOCAL_TABLES.audit),
    key,
    close: async () => {
      client.destroy();
      await local.close();
    },
  };
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

async function verify(store: AuditStore, key: Buffer, options: Options): Promise<number> {
  const signer = createRecordSigner(key);
  const request = { ...toQuery(options, 86_400), limit: 1000, cursor: undefined };
  let checked = 0;
  const tampered: AuditRecord[] = [];
  const anomalies: AuditAnomaly[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ ...request, cursor });
    for (const record of page.records) {
      checked += 1;
      if (!signer.verify(record)) tampered.push(record);
    }
    anomalies.push(...page.anomalies);
    cursor = page.cursor;
  } while (cursor);
  console.log(`Checked ${checked + anomalies.length} stored item(s) since ${request.since.toISOString()}.`);
  if (tampered.length === 0 && anomalies.length === 0) {
    console.log('All signatures match.');
    return 0;
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

const COMMANDS = ['query', 'verify', 'digest', 'export', 'verify-export', 'public-key'] as const;

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
  if (digests.length === 0) {
    console.log('No audit digests yet (npm run audit -- digest).');
    return 0;
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
  return report.ok ? 0 : 1;
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
