import { GetParameterHistoryCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbAuditStore } from './dynamodb-audit-store';
import { createRecordVerifier, type ServerKeys } from './signer';
import { createAuditReader, type AuditReader, type RecordVerifier } from './audit-reader';
import type { DigestStore } from './digests/digest-store';
import { createDynamoDbClient, createSsmClient } from '../aws/clients';
import { createDigestS3Client, createS3DigestStore } from './digests/s3-digest-store';
import { createKmsClient, createKmsDigestSigner } from './digests/kms-digest-signer';

export interface AwsAuditReaderOptions {
  dynamodb: DynamoDBClient;
  ssm: SSMClient;
  auditTable: string;
  /** Each server's audit key parameter (SecureString): every version it has had verifies that server's records. */
  auditKeyParameters: Readonly<Record<string, string>>;
  digests: { store: DigestStore; publicKey(): Promise<string> };
  /** How long the keys read from SSM are trusted before they are read again (a rotation shows within this). */
  keysTtlMs?: number;
}

/**
 * The auditors' reader on AWS: the audit table, each server's keys from its SSM parameter's
 * history (a record signed before a rotation still verifies), the digest bucket and the KMS
 * public key. The keys are read again every `keysTtlMs` (5 minutes).
 */
export function createAwsAuditReader(options: AwsAuditReaderOptions): AuditReader {
  let cached: { verifier: RecordVerifier; readAt: number } | undefined;
  const ttl = options.keysTtlMs ?? 300_000;
  const verifier = async () => {
    if (!cached || Date.now() - cached.readAt > ttl) cached = { verifier: createRecordVerifier(await serverKeys(options.ssm, options.auditKeyParameters)), readAt: Date.now() };
    return cached.verifier;
  };
  return createAuditReader({ store: createDynamoDbAuditStore(options.dynamodb, options.auditTable), verifier, digests: options.digests });
}

/** Every version of each server's key parameter, decrypted. */
export async function serverKeys(ssm: SSMClient, parameters: Readonly<Record<string, string>>): Promise<ServerKeys> {
  const keys: Record<string, Buffer[]> = {};
  for (const [server, name] of Object.entries(parameters)) {
    let token: string | undefined;
    do {
      const page = await ssm.send(new GetParameterHistoryCommand({ Name: name, WithDecryption: true, MaxResults: 50, NextToken: token }));
      for (const version of page.Parameters ?? []) if (version.Value) (keys[server] ??= []).push(Buffer.from(version.Value, 'base64'));
      token = page.NextToken;
    } while (token);
  }
  return keys;
}

/** Where an AWS audit reader reads: the stage's audit table, key parameters, digest bucket and KMS key (endpoints: local peers only). */
export interface AwsAuditSettings {
  region: string;
  auditTable: string;
  auditKeyParameters: Readonly<Record<string, string>>;
  digestBucket: string;
  digestKeyId: string;
  endpoints?: { dynamodb?: string; ssm?: string; s3?: string; kms?: string };
}

/** The AWS audit reader with its clients made from `settings`. */
export function awsAuditReader(settings: AwsAuditSettings): AuditReader {
  const client = (endpoint: string | undefined) => ({ region: settings.region, ...(endpoint ? { endpoint } : {}) });
  return createAwsAuditReader({
    dynamodb: createDynamoDbClient(client(settings.endpoints?.dynamodb)),
    ssm: createSsmClient(client(settings.endpoints?.ssm)),
    auditTable: settings.auditTable,
    auditKeyParameters: settings.auditKeyParameters,
    digests: {
      store: createS3DigestStore(createDigestS3Client(client(settings.endpoints?.s3)), settings.digestBucket),
      publicKey: () => createKmsDigestSigner(createKmsClient(client(settings.endpoints?.kms)), settings.digestKeyId).publicKeyPem(),
    },
  });
}
