import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, unlink, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { startLocalDynamoDb, type LocalDynamoDb } from '@gmcp/local-aws';
import {
  auditItem,
  auditItemKey,
  auditTableDefinition,
  createAuditDigest,
  createDynamoDbAuditStore,
  createDynamoDbClient,
  createEd25519DigestSigner,
  createFolderDigestStore,
  createRecordSigner,
  ensureTables,
  exportLines,
  formatReport,
  parseExport,
  recordsIn,
  verifyAuditDigests,
  type AuditDigest,
  type AuditRecord,
  type AuditStore,
  type DigestSigner,
  type DigestStore,
} from '../src/platform';
import { signedRecord } from './support/records';

const hmac = createRecordSigner(randomBytes(32));
const TABLE = 'digest-test';
const base = Date.parse('2026-11-20T10:00:00.000Z');
const at = (minutes: number) => new Date(base + minutes * 60_000);

const record = (time: Date, overrides: Partial<AuditRecord> = {}) => signedRecord(hmac, time, overrides);

const ed25519 = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('audit digests (records in dynalite, digests in a folder)', () => {
  let dynamodb: LocalDynamoDb;
  let client: DynamoDBClient;
  let store: AuditStore;
  let dir: string;
  let digests: DigestStore;
  let signer: DigestSigner;
  let publicKey: string;
  let written: AuditRecord[];

  beforeEach(async () => {
    dynamodb = await startLocalDynamoDb();
    client = createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint });
    await ensureTables(client, [auditTableDefinition(TABLE)]);
    store = createDynamoDbAuditStore(client, TABLE);
    dir = await mkdtemp(join(tmpdir(), 'gmcp-digests-'));
    digests = createFolderDigestStore(dir);
    signer = createEd25519DigestSigner(ed25519());
    publicKey = await signer.publicKeyPem();
    written = [];
    // Three digests of three records each, the middle one across midnight.
    for (const [from, digestAt] of [[0, 30], [60, 24 * 60 - 20 + 60], [2000, 2100]] as const) {
      for (const offset of [0, 5, 10]) {
        const created = record(at(from + offset));
        await store.append(created);
        written.push(created);
      }
      await createAuditDigest({ store, digests, signer, now: at(digestAt), settleMs: 0, firstStart: at(-10) });
    }
  });
  afterEach(async () => {
    client.destroy();
    await dynamodb.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const verify = async (anchor: 'genesis' | 'partial' = 'genesis', key = publicKey) =>
    verifyAuditDigests({ records: await recordsIn(store, at(-10).toISOString(), at(3000).toISOString()), digests: await digests.list(), publicKey: key, anchor });
  const kinds = (report: Awaited<ReturnType<typeof verify>>) => [...report.chain, ...report.ranges.flatMap((range) => range.findings)].map((finding) => [finding.kind, finding.event_id]);

  it('chains signed digests, each listing its records, and an untouched store verifies clean', async () => {
    const chain = await digests.list();
    expect(chain.map((digest) => digest.record_count)).toEqual([3, 3, 3]);
    expect(chain[0]!.previous_digest_hash).toBeNull();
    expect(chain[1]!.range.start).toBe(chain[0]!.range.end);
    const report = await verify();
    expect(report).toMatchObject({ ok: true, chain: [], undigested: { before: 0, after: 0 } });
    expect(formatReport(report)).toContain('OK: 3 digest(s), 9 record(s) verified');
  });

  it('reports a deleted record as missing from its range', async () => {
    const victim = written[4]!;
    await client.send(new DeleteItemCommand({ TableName: TABLE, Key: auditItemKey(victim) }));
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(kinds(report)).toEqual([['record_missing', victim.event_id]]);
    expect(formatReport(report)).toContain(`record_missing: record ${victim.event_id} is listed in the digest but not in the store`);
  });

  it('reports an edited record, even re-signed with the audit key', async () => {
    const victim = written[1]!;
    const edited = hmac.sign({ ...victim, signature: undefined as never, decision: 'denied', reason: 'not_allowlisted' } as never);
    // Overwrites the stored item in place (same keys), as someone with table access could.
    await client.send(new PutItemCommand({ TableName: TABLE, Item: marshall(auditItem(edited), { removeUndefinedValues: true }) }));
    expect(kinds(await verify())).toEqual([['record_edited', victim.event_id]]);
  });

  it('reports a record inserted into a digested range as added after the digest', async () => {
    const inserted = record(at(62));
    await store.append(inserted);
    expect(kinds(await verify())).toEqual([['record_added', inserted.event_id]]);
  });

  it('reports a forged record that reuses a real record\'s event id, however the two are ordered', async () => {
    const real = written[3]!;
    const forged = record(new Date(Date.parse(real.time) - 1), { event_id: real.event_id, actor: { subject: 'mallory', client_id: 'cli' } });
    await store.append(forged);
    expect(kinds(await verify())).toEqual([['record_added', real.event_id]]);
  });

  it('holds the chain to its schedule: a pinned chain start, no range longer than the schedule allows, a recent newest digest', async () => {
    const schedule = { chainStart: at(-10).toISOString(), maxRangeMs: 2 * 86_400_000, now: at(2200) };
    const records = await recordsIn(store, at(-10).toISOString(), at(3000).toISOString());
    expect(verifyAuditDigests({ records, digests: await digests.list(), publicKey, anchor: 'genesis', ...schedule }).ok).toBe(true);
    // The newest digests removed, and the span digested again later as one long range.
    const [, , third] = (await readdir(dir)).sort();
    await unlink(join(dir, third!));
    await createAuditDigest({ store, digests, signer, now: at(4 * 24 * 60), settleMs: 0 });
    const report = verifyAuditDigests({ records, digests: await digests.list(), publicKey, anchor: 'genesis', ...schedule, now: at(4 * 24 * 60 + 10) });
    expect(report.chain.map((finding) => finding.detail)).toEqual([expect.stringContaining('longer than the schedule allows')]);
    // The first digest removed: the chain no longer starts where the stage says.
    expect(verifyAuditDigests({ records, digests: (await digests.list()).slice(1), publicKey, anchor: 'genesis', ...schedule }).chain.map((finding) => finding.detail)).toContainEqual(expect.stringContaining('(digests were removed)'));
    expect(verifyAuditDigests({ records, digests: await digests.list(), publicKey, anchor: 'genesis', ...schedule, now: at(10 * 24 * 60) }).chain.at(-1)!.detail).toContain('newer digests were removed, or the schedule stopped');
  });

  it('reports a removed digest as a broken chain, and an unsigned or foreign-signed one as such', async () => {
    const [first, second] = (await readdir(dir)).sort();
    await unlink(join(dir, second!));
    expect(kinds(await verify()).map(([kind]) => kind)).toEqual(['chain_broken', 'chain_broken']);

    const firstPath = join(dir, first!);
    const forged = { ...(JSON.parse(await readFile(firstPath, 'utf8')) as AuditDigest), signature: '' };
    await writeFile(firstPath, JSON.stringify(forged));
    const report = await verify();
    expect(report.ranges[0]!.findings).toEqual([{ kind: 'bad_signature', detail: 'unsigned' }]);
    expect((await verify('genesis', await createEd25519DigestSigner(ed25519()).publicKeyPem())).ranges.every((range) => range.findings.some((finding) => finding.kind === 'bad_signature'))).toBe(true);
  });

  it('exports records and digests as JSON Lines that verify with the public key alone, and shows tampering in the export', async () => {
    const records = await recordsIn(store, at(-10).toISOString(), at(3000).toISOString());
    const text = exportLines(await digests.list(), records);
    const parsed = parseExport(text);
    expect(verifyAuditDigests({ ...parsed, publicKey, anchor: 'partial' }).ok).toBe(true);

    // The last two digests alone: the first of them anchors the chain.
    const partial = parseExport(exportLines((await digests.list()).slice(1), records.filter((stored) => stored.time >= at(60).toISOString())));
    expect(verifyAuditDigests({ ...partial, publicKey, anchor: 'partial' }).ok).toBe(true);

    // A file cut at its start, or without digests, does not pass.
    expect(verifyAuditDigests({ ...parseExport(exportLines((await digests.list()).slice(1), records)), publicKey, anchor: 'partial' }).ok).toBe(false);
    expect(verifyAuditDigests({ ...parseExport(exportLines([], records)), publicKey, anchor: 'partial' }).ok).toBe(false);

    const tampered = text.replace(`"reason":"policy_allowed"`, `"reason":"policy_allowed "`);
    const report = verifyAuditDigests({ ...parseExport(tampered), publicKey, anchor: 'partial' });
    expect(report.ok).toBe(false);
    expect(kinds(report).map(([kind]) => kind)).toEqual(['record_edited']);
  });
});
