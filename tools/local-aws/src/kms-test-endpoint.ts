import { constants, createHash, generateKeyPairSync, privateEncrypt, type KeyObject } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { readBody } from './http-body';
import { listenOnLoopback } from './loopback';

/**
 * A small, protocol-faithful KMS endpoint (AWS JSON 1.1: POST /, `X-Amz-Target:
 * TrentService.<Operation>`) holding one asymmetric signing key (RSA_3072, SIGN_VERIFY),
 * so that the real `@aws-sdk/client-kms` sends real Sign and GetPublicKey requests in
 * tests. Signatures are RSASSA-PKCS1-v1_5 over SHA-256, as KMS computes them;
 * `MessageType: DIGEST` signs a precomputed SHA-256 (messages over 4096 bytes must).
 */
export interface KmsTestEndpoint {
  readonly endpoint: string;
  readonly keyArn: string;
  /** The private key stays here; this is what GetPublicKey returns (SPKI DER). */
  readonly publicKey: KeyObject;
  readonly requests: number;
  stop(): Promise<void>;
}

export async function startKmsTestEndpoint(options: { region?: string; accountId?: string } = {}): Promise<KmsTestEndpoint> {
  const keyArn = `arn:aws:kms:${options.region ?? 'us-east-1'}:${options.accountId ?? '000000000000'}:key/6f1d5a2e-0000-4000-8000-000000000001`;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
  let requests = 0;
  const known = (keyId: unknown) => keyId === keyArn || keyId === keyArn.split('/')[1];

  const server = createServer(async (req, res) => {
    requests += 1;
    const target = String(req.headers['x-amz-target'] ?? '');
    if (req.method !== 'POST' || !String(req.headers['content-type']).startsWith('application/x-amz-json-1.1')) {
      return send(res, 400, { __type: 'SerializationException', message: 'Expected POST with application/x-amz-json-1.1' });
    }
    const body = JSON.parse((await readBody(req)) || '{}') as { KeyId?: string; Message?: string; MessageType?: string; SigningAlgorithm?: string };
    if (!known(body.KeyId)) return send(res, 400, { __type: 'NotFoundException', message: `Key '${body.KeyId}' does not exist` });
    if (target === 'TrentService.GetPublicKey') {
      return send(res, 200, {
        KeyId: keyArn,
        PublicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
        KeySpec: 'RSA_3072',
        KeyUsage: 'SIGN_VERIFY',
        SigningAlgorithms: [ALGORITHM],
      });
    }
    if (target === 'TrentService.Sign') {
      if (body.SigningAlgorithm !== ALGORITHM) return send(res, 400, { __type: 'InvalidKeyUsageException', message: `Unsupported signing algorithm ${body.SigningAlgorithm}` });
      const message = Buffer.from(body.Message ?? '', 'base64');
      const digest = body.MessageType === 'DIGEST' ? message : createHash('sha256').update(message).digest();
      if (body.MessageType !== 'DIGEST' && message.length > 4096) return send(res, 400, { __type: 'ValidationException', message: 'Message must be at most 4096 bytes; use MessageType DIGEST' });
      if (digest.length !== 32) return send(res, 400, { __type: 'ValidationException', message: `Digest must be 32 bytes for ${ALGORITHM}` });
      // PKCS#1 v1.5 signing of a given digest: the DigestInfo, padded and raised to the private exponent.
      const signature = privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, digest]));
      return send(res, 200, { KeyId: keyArn, Signature: signature.toString('base64'), SigningAlgorithm: ALGORITHM });
    }
    return send(res, 400, { __type: 'UnknownOperationException', message: `Unsupported operation ${target}` });
  });
  const listening = await listenOnLoopback(server);
  return {
    endpoint: listening.url,
    keyArn,
    publicKey,
    get requests() {
      return requests;
    },
    stop: listening.stop,
  };
}

const ALGORITHM = 'RSASSA_PKCS1_V1_5_SHA_256';
/** DER prefix of a SHA-256 DigestInfo (RFC 8017, section 9.2). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `req-${Date.now()}` });
  res.end(JSON.stringify(body));
}
