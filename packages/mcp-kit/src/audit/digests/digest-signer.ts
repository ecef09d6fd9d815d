import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { keyIdOf, signingInput, type AuditDigest, type DigestAlgorithm, type UnsignedDigest } from './digest-core';

/** Signs digests with an asymmetric key: a verifier needs only the public key. */
export interface DigestSigner {
  readonly algorithm: DigestAlgorithm;
  keyId(): Promise<string>;
  /** The public key (SPKI PEM), to publish where verifiers fetch it. */
  publicKeyPem(): Promise<string>;
  sign(digest: Omit<UnsignedDigest, 'key_id' | 'algorithm'>): Promise<AuditDigest>;
}

/** Ed25519 with a private key held by this process (local mode: a key file in the state folder). */
export function createEd25519DigestSigner(privateKeyPem: string): DigestSigner {
  const privateKey = createPrivateKey(privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('The digest signing key must be an Ed25519 private key');
  const publicKey: KeyObject = createPublicKey(privateKey);
  const keyId = keyIdOf(publicKey);
  return {
    algorithm: 'Ed25519',
    keyId: async () => keyId,
    publicKeyPem: async () => publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: async (digest) => {
      const unsigned: UnsignedDigest = { ...digest, key_id: keyId, algorithm: 'Ed25519' };
      return { ...unsigned, signature: sign(null, signingInput(unsigned), privateKey).toString('base64') };
    },
  };
}
