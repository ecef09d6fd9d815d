/// <reference path="../../.sst/platform/config.d.ts" />
import { metricAlarm } from './alarms';
import { lambdaRole } from './iam';
import { functionDefaults, type Plan } from './plan';
import { scheduled } from './schedule';
import { encryptedBucket } from './storage';

/**
 * The scheduled audit digest: a signed, chained digest of the audit table per run, kept apart
 * from the records (its own bucket), signed by a KMS key whose public key it publishes.
 */
export function auditDigests(plan: Plan, alarmTopic: aws.sns.Topic): { bucket: sst.aws.Bucket; key: aws.kms.Key } {
  const digests = plan.auditDigests;
  const { components } = digests;
  const bucket = encryptedBucket(components.bucket, digests.bucket, plan, { objectLock: digests.objectLock !== null });
  if (digests.objectLock) {
    // Every digest written is kept for the retention period: not even the account's root can delete or overwrite it in COMPLIANCE mode.
    // Enabled through this resource on the versioned bucket (never the bucket's own attribute, which would replace a deployed bucket).
    new aws.s3.BucketObjectLockConfiguration(components.objectLock, {
      bucket: bucket.name,
      objectLockEnabled: 'Enabled',
      rule: { defaultRetention: { mode: digests.objectLock.mode, days: digests.objectLock.days } },
    });
  }
  const key = new aws.kms.Key(components.key, {
    description: `${plan.names.prefix}: signs audit digests`,
    customerMasterKeySpec: digests.keySpec,
    keyUsage: 'SIGN_VERIFY',
    deletionWindowInDays: 30,
  });
  new aws.kms.Alias(components.keyAlias, { name: digests.keyAlias, targetKeyId: key.keyId });
  const role = lambdaRole(components.role, digests.name, key.arn.apply((digestKeyArn) => digests.policy({ digestKeyArn })), components.rolePolicy);
  const digestFunction = new sst.aws.Function(
    components.function,
    {
      ...functionDefaults(plan),
      description: 'Signs a chained digest of the audit records written since the last one',
      bundle: digests.bundle,
      handler: digests.handler,
      memory: '1024 MB',
      timeout: '5 minutes',
      role: role.role.arn,
      environment: key.arn.apply((digestKeyArn) => digests.environment({ digestKeyArn })),
      name: digests.name,
    },
    { dependsOn: [bucket, role.policy] },
  );
  scheduled(digestFunction, digests.schedule, { rule: components.schedule, target: components.target, invoke: components.invoke, firstRun: components.firstRun }, plan.firstRunEvent);
  metricAlarm(components.alarm, digests.alarm, alarmTopic);
  return { bucket, key };
}
