/// <reference path="../../.sst/platform/config.d.ts" />
import { lambdaRole } from './iam';
import { functionDefaults, type Plan } from './plan';

export interface LoginSecret {
  secret: aws.secretsmanager.Secret;
  version: aws.secretsmanager.SecretVersion;
}

/** Aurora PostgreSQL with the Data API, in its own VPC, and one generated login secret per server that uses it. */
export function opsDatabase(plan: Plan) {
  const { config, names } = plan;
  const vpc = new sst.aws.Vpc('Vpc');
  const database = new sst.aws.Aurora('OpsDatabase', {
    engine: 'postgres',
    version: plan.databaseEngine.version,
    dataApi: true,
    database: names.database,
    scaling: { min: `${config.database.minCapacity} ACU`, max: `${config.database.maxCapacity} ACU` },
    vpc,
    transform: {
      cluster: (args, opts) => {
        args.clusterIdentifier = names.cluster;
        // AWS's minor upgrades stay: the pinned version only creates the cluster (see AURORA_ENGINE).
        opts.ignoreChanges = [...(Array.isArray(opts.ignoreChanges) ? opts.ignoreChanges : []), 'engineVersion'];
        args.deletionProtection = plan.retained;
        args.backupRetentionPeriod = plan.retained ? 14 : 1;
        args.skipFinalSnapshot = !plan.retained;
        if (plan.retained) args.finalSnapshotIdentifier = `${names.cluster}-final`;
      },
    },
  });
  const loginSecrets: Record<string, LoginSecret> = Object.fromEntries(
    plan.databaseLogins.map((login) => {
      const id = login.component;
      const password = new random.RandomPassword(`${id}Password`, { length: 40, special: false });
      const secret = new aws.secretsmanager.Secret(`${id}Secret`, { name: login.secretName, recoveryWindowInDays: plan.retained ? 30 : 0 });
      const version = new aws.secretsmanager.SecretVersion(`${id}SecretValue`, {
        secretId: secret.id,
        secretString: $jsonStringify({ username: login.username, password: password.result }),
      });
      return [login.service, { secret, version }];
    }),
  );
  return { database, loginSecrets };
}

/** The migration step: runs as the schema owner whenever the migrations change, and when a login's password does. */
export function migrationStep(plan: Plan, database: sst.aws.Aurora, loginSecrets: Record<string, LoginSecret>): void {
  const { names } = plan;
  const steps = plan.migration.components;
  const { reader, writer } = plan.migration.logins;
  const migrationRole = lambdaRole(steps.role, names.migrationFunction, database.secretArn.apply((adminSecretArn) => plan.migration.policy({ adminSecretArn })), steps.rolePolicy);
  const migrate = new sst.aws.Function(steps.function, {
    ...functionDefaults(plan),
    bundle: plan.migration.bundle,
    handler: plan.migration.handler,
    memory: '256 MB',
    timeout: '5 minutes',
    role: migrationRole.role.arn,
    environment: $resolve([database.secretArn, loginSecrets[reader]!.secret.arn, loginSecrets[writer]!.secret.arn]).apply(([adminSecretArn, readerSecretArn, writerSecretArn]) =>
      plan.migration.environment({ adminSecretArn, readerSecretArn, writerSecretArn }),
    ),
    // `name` (not a transform) also names the log group /aws/lambda/<name>, which the role's log grant expects.
    name: names.migrationFunction,
  });
  new aws.lambda.Invocation(
    steps.run,
    {
      functionName: migrate.name,
      input: JSON.stringify({ checksum: plan.migration.checksum }),
      triggers: { checksum: plan.migration.checksum, reader: loginSecrets[reader]!.version.versionId, writer: loginSecrets[writer]!.version.versionId },
    },
    { dependsOn: [database, migrationRole.policy, ...Object.values(loginSecrets).map((login) => login.version)] },
  );
}
