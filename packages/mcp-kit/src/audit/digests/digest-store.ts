import { z } from 'zod';
import { DIGEST_VERSION, type AuditDigest } from './digest-core';

/** Where digests are kept, apart from the records they cover (a folder locally, a bucket on AWS). */
export interface DigestStore {
  readonly description: string;
  /** Every digest, oldest range first. */
  list(): Promise<AuditDigest[]>;
  /** The newest digest only (what the next one chains to), without reading the others. */
  latest(): Promise<AuditDigest | undefined>;
  /** Stores a new digest; never replaces one. */
  put(digest: AuditDigest): Promise<void>;
}

const Time = z.iso.datetime();
export const AuditDigestSchema = z.strictObject({
  version: z.literal(DIGEST_VERSION),
  range: z.strictObject({ start: Time, end: Time }),
  record_count: z.number().int().nonnegative(),
  records: z.array(z.tuple([z.string(), z.string().regex(/^[0-9a-f]{64}$/)])),
  records_hash: z.string(),
  previous_digest_hash: z.string().nullable(),
  created_at: Time,
  key_id: z.string(),
  algorithm: z.enum(['Ed25519', 'RSASSA_PKCS1_V1_5_SHA_256']),
  signature: z.string(),
});

/**
 * `<start>.json`: names sort in range order, and two runs that chain to the same digest
 * (an overlap, a retry) collide on the name instead of forking the chain.
 */
export function digestKey(digest: Pick<AuditDigest, 'range'>): string {
  return `${digest.range.start}.json`;
}

export function parseDigest(text: string, where: string): AuditDigest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where} is not a well-formed digest: not JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = AuditDigestSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${where} is not a well-formed digest: ${z.prettifyError(parsed.error)}`);
  return parsed.data as AuditDigest;
}
