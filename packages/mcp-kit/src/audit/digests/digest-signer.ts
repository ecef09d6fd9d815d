import type { AuditDigest, DigestAlgorithm, UnsignedDigest } from './digest-core';

/** Signs digests with an asymmetric key: a verifier needs only the public key. */
export interface DigestSigner {
  readonly algorithm: DigestAlgorithm;
  keyId(): Promise<string>;
  /** The public key (SPKI PEM), to publish where verifiers fetch it. */
  publicKeyPem(): Promise<string>;
  sign(digest: Omit<UnsignedDigest, 'key_id' | 'algorithm'>): Promise<AuditDigest>;
}
