/// <reference path="../../.sst/platform/config.d.ts" />
import type { Plan } from './plan';

/** The plan's DynamoDB tables (audit, approvals, rate limits), by key. */
export function dynamoTables(plan: Plan): Record<string, sst.aws.Dynamo> {
  return Object.fromEntries(
    Object.entries(plan.tables).map(([key, spec]) => {
      const table = new sst.aws.Dynamo(`${key[0]!.toUpperCase()}${key.slice(1)}Table`, {
        fields: spec.fields,
        primaryIndex: spec.primaryIndex,
        globalIndexes: spec.globalIndexes,
        ttl: spec.ttl,
        deletionProtection: spec.deletionProtection,
        transform: {
          table: (args) => {
            args.name = spec.name;
            args.serverSideEncryption = { enabled: spec.kmsEncryption };
            args.pointInTimeRecovery = { enabled: spec.pointInTimeRecovery };
          },
        },
      });
      return [key, table];
    }),
  );
}

/** A versioned bucket under its planned name, KMS-encrypted, emptied on removal only where the stage is not retained. */
export function encryptedBucket(id: string, name: string, plan: Plan, options: { objectLock?: boolean } = {}): sst.aws.Bucket {
  const bucket = new sst.aws.Bucket(id, {
    versioning: true,
    cors: false,
    transform: {
      bucket: (args) => {
        args.bucket = name;
        // A locked object cannot be removed before its retention ends, so a locked bucket is never force-destroyed.
        args.forceDestroy = !plan.retained && !options.objectLock;
      },
    },
  });
  new aws.s3.BucketServerSideEncryptionConfiguration(`${id}Encryption`, {
    bucket: bucket.name,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' }, bucketKeyEnabled: true }],
  });
  return bucket;
}
