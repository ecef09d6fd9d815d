import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { keyIdOf, signingInput, type UnsignedDigest } from './digest-core';
import type { DigestSigner } from './digest-signer';

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
