import { createHash, createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { awsClientConfig, type AwsClientOptions } from '../../aws/clients';
import { keyIdOf, signingInput, type UnsignedDigest } from './digest-core';
import type { DigestSigner } from './digest-signer';

const ALGORITHM = 'RSASSA_PKCS1_V1_5_SHA_256';

export function createKmsClient(options: AwsClientOptions): KMSClient {
  return new KMSClient({ ...awsClientConfig(options, 10_000), maxAttempts: 3 });
}

/**
 * Signs digests with a KMS asymmetric key (RSA, SIGN_VERIFY): the private key never leaves
 * KMS. A digest can exceed KMS's 4096-byte message limit, so its SHA-256 is sent
 * (`MessageType: DIGEST`); the signature verifies as RSASSA-PKCS1-v1_5 over SHA-256 of the
 * digest's canonical JSON, with the public key alone.
 */
export function createKmsDigestSigner(client: KMSClient, keyId: string): DigestSigner {
  let publicKey: Promise<{ pem: string; id: string }> | undefined;
  const loadPublicKey = () =>
    (publicKey ??= client.send(new GetPublicKeyCommand({ KeyId: keyId })).then((output) => {
      if (!output.PublicKey || !output.SigningAlgorithms?.includes(ALGORITHM)) throw new Error(`KMS key ${keyId} cannot sign with ${ALGORITHM}`);
      const key = createPublicKey({ key: Buffer.from(output.PublicKey), format: 'der', type: 'spki' });
      return { pem: key.export({ type: 'spki', format: 'pem' }).toString(), id: keyIdOf(key) };
    }));
  return {
    algorithm: ALGORITHM,
    keyId: async () => (await loadPublicKey()).id,
    publicKeyPem: async () => (await loadPublicKey()).pem,
    sign: async (digest) => {
      const unsigned: UnsignedDigest = { ...digest, key_id: (await loadPublicKey()).id, algorithm: ALGORITHM };
      const hash = createHash('sha256').update(signingInput(unsigned)).digest();
      const output = await client.send(new SignCommand({ KeyId: keyId, Message: hash, MessageType: 'DIGEST', SigningAlgorithm: ALGORITHM }));
      if (!output.Signature) throw new Error('KMS returned no signature');
      return { ...unsigned, signature: Buffer.from(output.Signature).toString('base64') };
    },
  };
}
