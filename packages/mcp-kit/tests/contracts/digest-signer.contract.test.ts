import { constants, createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { startKmsTestEndpoint } from '@gmcp/local-aws';
import { DIGEST_VERSION, keyIdOf, recordHash, recordsHash, signingInput, verifyAuditDigests, type AuditDigest, type DigestAlgorithm, type UnsignedDigest } from '../../src/audit/digests/digest-core';
import type { DigestSigner } from '../../src/audit/digests/digest-signer';
import { createEd25519DigestSigner } from '../../src/audit/digests/ed25519-digest-signer';
import { createKmsClient, createKmsDigestSigner } from '../../src/audit/digests/kms-digest-signer';

interface SignerAdapter {
  name: string;
  /** The algorithm this adapter is meant to sign with. */
  algorithm: DigestAlgorithm;
  /** Starts the adapter (and its peer, on 127.0.0.1 with an ephemeral port). */
  start(): Promise<{ adapter: DigestSigner; stop(): Promise<void> }>;
}

const ed25519PrivateKey = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const adapters: SignerAdapter[] = [
  {
    name: 'Ed25519 (a key held in process)',
    algorithm: 'Ed25519',
    start: async () => ({ adapter: createEd25519DigestSigner(ed25519PrivateKey()), stop: async () => undefined }),
  },
  {
    name: 'KMS (test endpoint, the real KMS client)',
    algorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
    start: async () => {
      const kms = await startKmsTestEndpoint({ region: 'eu-west-1', accountId: '222222222222' });
      const client = createKmsClient({ region: 'eu-west-1', endpoint: kms.endpoint });
      return {
        adapter: createKmsDigestSigner(client, kms.keyArn),
        stop: async () => {
          client.destroy();
          await kms.stop();
        },
      };
    },
  },
];

/** What each algorithm name means, checked with node:crypto directly rather than through the verifier. */
const SCHEMES: Record<DigestAlgorithm, { keyType: string; verifies(data: Buffer, key: KeyObject, signature: Buffer): boolean }> = {
  Ed25519: { keyType: 'ed25519', verifies: (data, key, signature) => verify(null, data, key, signature) },
  RSASSA_PKCS1_V1_5_SHA_256: { keyType: 'rsa', verifies: (data, key, signature) => verify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, signature) },
};

const base = Date.parse('2026-11-20T10:00:00.000Z');
const at = (seconds: number) => new Date(base + seconds * 1000).toISOString();

/** `count` records over [0, count + 1) seconds, and the unsigned digest of them. */
function digestBody(count: number, previous: string | null = null) {
  const records = Array.from({ length: count }, (_, index) => ({ event_id: `event-${String(index).padStart(4, '0')}`, time: at(index), tool: 'restart_service' }));
  const hashes = records.map((record) => recordHash(record));
  const body: Omit<UnsignedDigest, 'key_id' | 'algorithm'> = {
    version: DIGEST_VERSION,
    range: { start: at(0), end: at(count + 1) },
    record_count: count,
    records: records.map((record, index) => [record.event_id, hashes[index]!]),
    records_hash: recordsHash(hashes),
    previous_digest_hash: previous,
    created_at: at(count + 61),
  };
  return { records, body };
}

describe.each(adapters)('$name digest signer', (candidate) => {
  let signer: DigestSigner;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ adapter: signer, stop } = await candidate.start());
  });
  afterAll(() => stop());

  const verifyOne = (records: readonly { event_id: string; time: string }[], digest: AuditDigest, publicKey: string) => verifyAuditDigests({ records, digests: [digest], publicKey, anchor: 'genesis' });

  it('signs a digest that verifies with its published public key alone, even one over KMS\'s 4 KiB message limit', async () => {
    const { records, body } = digestBody(100);
    const signed = await signer.sign(body);
    expect(signingInput(signed).length).toBeGreaterThan(4096);
    const publicKey = await signer.publicKeyPem();
    expect(publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(verifyOne(records, signed, publicKey)).toMatchObject({ ok: true, chain: [], keyIds: [await signer.keyId()] });
  });

  it('signs a digest that no other key verifies', async () => {
    const { records, body } = digestBody(3);
    const otherKey = await createEd25519DigestSigner(ed25519PrivateKey()).publicKeyPem();
    expect(verifyOne(records, await signer.sign(body), otherKey).ranges[0]!.findings.map((finding) => finding.kind)).toContain('bad_signature');
  });

  it('has a stable key id, the hash of its public key, named on every digest it signs', async () => {
    const keyId = await signer.keyId();
    expect(await signer.keyId()).toBe(keyId);
    expect(keyId).toBe(keyIdOf(createPublicKey(await signer.publicKeyPem())));
    const signed = [await signer.sign(digestBody(1).body), await signer.sign(digestBody(2, 'sha256:previous').body)];
    expect(signed.map((digest) => digest.key_id)).toEqual([keyId, keyId]);
  });

  it('signs with the algorithm it names, and names it on the digest', async () => {
    expect(signer.algorithm).toBe(candidate.algorithm);
    const signed = await signer.sign(digestBody(2).body);
    expect(signed.algorithm).toBe(signer.algorithm);
    const scheme = SCHEMES[signer.algorithm];
    const publicKey = createPublicKey(await signer.publicKeyPem());
    expect(publicKey.asymmetricKeyType).toBe(scheme.keyType);
    const { signature, ...unsigned } = signed;
    expect(scheme.verifies(signingInput(unsigned), publicKey, Buffer.from(signature, 'base64'))).toBe(true);
  });

  it('fails verification once any signed field changes after signing', async () => {
    const { records, body } = digestBody(3);
    const signed = await signer.sign(body);
    const publicKey = await signer.publicKeyPem();
    const otherAlgorithm: DigestAlgorithm = signed.algorithm === 'Ed25519' ? 'RSASSA_PKCS1_V1_5_SHA_256' : 'Ed25519';
    const [firstRecord, ...otherRecords] = signed.records;
    const tampered: Record<string, AuditDigest> = {
      version: { ...signed, version: 2 as typeof DIGEST_VERSION },
      range_start: { ...signed, range: { ...signed.range, start: at(-1) } },
      range_end: { ...signed, range: { ...signed.range, end: at(10) } },
      record_count: { ...signed, record_count: 2 },
      records: { ...signed, records: [[firstRecord![0], recordHash({ event_id: firstRecord![0], time: at(0), tool: 'drop_table' })], ...otherRecords] },
      records_hash: { ...signed, records_hash: recordsHash([]) },
      previous_digest_hash: { ...signed, previous_digest_hash: 'sha256:elsewhere' },
      created_at: { ...signed, created_at: at(3600) },
      key_id: { ...signed, key_id: keyIdOf(createPublicKey(await createEd25519DigestSigner(ed25519PrivateKey()).publicKeyPem())) },
      algorithm: { ...signed, algorithm: otherAlgorithm },
    };
    expect(verifyOne(records, signed, publicKey).ok).toBe(true);
    const flagged = Object.fromEntries(Object.entries(tampered).map(([field, digest]) => [field, verifyOne(records, digest, publicKey).ranges[0]!.findings.some((finding) => finding.kind === 'bad_signature')]));
    expect(flagged).toEqual(Object.fromEntries(Object.keys(tampered).map((field) => [field, true])));
  });
});
