import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { arns, bundleDir, resourceNames, serversUsing, type DeploymentPlan, type ServerName, type StageConfig } from '@gmcp/infra';
import { startDataApiTestEndpoint, startSecretsManagerTestEndpoint } from '@gmcp/local-aws';
import { createPgliteExecutor, seedDatabase } from '@gmcp/ops-data';
import { invokeBundleOnce, type Peers } from './recorders';
import { ACCOUNT, REGION } from './stage-config';

/**
 * The database as a deployment leaves it: Aurora's Data API over PGlite, each server's login
 * in its own Secrets Manager secret, migrated and logins set up by the bundled migration step
 * (as the admin), then seeded for the tests.
 */
export async function startDatabasePeers(config: StageConfig) {
  const names = resourceNames(config);
  const arn = arns(config);
  const db = new PGlite();
  const owner = createPgliteExecutor(db);
  const secretArn = (service: ServerName) => arn.secret(names.databaseSecret(service)).replace('??????', 'AbC123');
  const databaseServers = serversUsing('ops-database');
  const adminSecretArn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:OpsDatabaseProxySecret-XyZ789`;
  const dataApi = await startDataApiTestEndpoint({
    db,
    resourceArn: arn.cluster,
    secrets: {
      [adminSecretArn]: { user: 'postgres' },
      ...Object.fromEntries(databaseServers.map((service) => [secretArn(service), { user: names.databaseLogin(service) }])),
    },
  });
  const loginSecret = (service: ServerName) => JSON.stringify({ username: names.databaseLogin(service), password: randomBytes(24).toString('hex') });
  const secretsManager = await startSecretsManagerTestEndpoint({ secrets: Object.fromEntries(databaseServers.map((service) => [secretArn(service), loginSecret(service)])) });
  return {
    owner,
    secretArn,
    adminSecretArn,
    peers: { 'rds-data': dataApi.endpoint, secretsmanager: secretsManager.endpoint } satisfies Peers,
    /** Runs the bundled migration step once, as the deployment does after a change to the migrations, then seeds. */
    async migrateAndSeed(plan: DeploymentPlan, peers: Peers) {
      const logins = { adminSecretArn, readerSecretArn: secretArn(plan.migration.logins.reader), writerSecretArn: secretArn(plan.migration.logins.writer) };
      const { result, calls } = await invokeBundleOnce(join(bundleDir('ops-migrate'), 'index.mjs'), plan.migration.environment(logins), peers, 'The migration step');
      await seedDatabase(owner, { now: new Date() });
      return { result, calls };
    },
    stop: async () => {
      await dataApi.stop();
      await secretsManager.stop();
      await db.close();
    },
  };
}
