import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { startDataApiTestEndpoint, type DataApiTestEndpoint } from '@gmcp/local-aws';
import type { RunningService } from '@gmcp/mcp-kit/platform';
import { createLogin, createPgliteExecutor, migrate, seedDatabase } from '@gmcp/ops-data';
import { opsReaderServer } from '@gmcp/ops-reader';
import { embeddedOwnerQuery, startOpsFoundation } from './ops-foundation';

export type OpsBackend = 'embedded' | 'data-api';

export const READER_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:gmcp/ops-reader-AbCdEf';
export const CLUSTER_ARN = 'arn:aws:rds:us-east-1:000000000000:cluster:gmcp-ops';

/**
 * The tickets/incidents reader on an ephemeral port, backed either by the embedded
 * database (local mode) or by the Data API adapter talking to a protocol-faithful Data
 * API endpoint over PGlite, with the reader logged in as its own SELECT-only user.
 */
export interface OpsPlatform {
  reader: RunningService;
  /** The database the reader reads, as its owner (to check that nothing changed). */
  ownerQuery(sql: string): Promise<readonly unknown[]>;
  dataApi?: DataApiTestEndpoint;
  token(options?: { sub?: string; scopes?: string[] }): Promise<string>;
  stop(): Promise<void>;
}

export async function startOpsPlatform(backend: OpsBackend): Promise<OpsPlatform> {
  const foundation = await startOpsFoundation('gmcp-ops-e2e-');
  const env = foundation.env('ops-reader');
  const db = backend === 'data-api' ? new PGlite() : undefined;
  let dataApi: DataApiTestEndpoint | undefined;
  if (db) {
    const owner = createPgliteExecutor(db);
    await migrate(owner);
    await seedDatabase(owner, { now: new Date() });
    await createLogin(owner, 'reader', 'ops_reader');
    dataApi = await startDataApiTestEndpoint({ db, resourceArn: CLUSTER_ARN, secrets: { [READER_SECRET_ARN]: { user: 'ops_reader' } } });
    Object.assign(env, {
      OPS_DATABASE: 'data-api',
      DATA_API_RESOURCE_ARN: CLUSTER_ARN,
      DATA_API_SECRET_ARN: READER_SECRET_ARN,
      RDS_DATA_ENDPOINT: dataApi.endpoint,
      DATA_API_RESUME_BUDGET_SECONDS: '5',
    });
  } else {
    Object.assign(env, { OPS_DATABASE: 'embedded', OPS_DATA_DIR: join(foundation.stateDir, 'ops-db') });
  }
  const reader = await opsReaderServer.start(env);

  return {
    reader,
    ownerQuery: async (sql) => (db ? (await createPgliteExecutor(db).query({ sql })).rows : embeddedOwnerQuery(env.OPS_DATA_DIR!, sql)),
    dataApi,
    token: ({ sub = 'alice', scopes = ['tickets:read', 'incidents:read'] } = {}) => foundation.token(reader.url, sub, scopes),
    stop: async () => {
      await reader.stop();
      await dataApi?.stop();
      await db?.close();
      await foundation.stop();
    },
  };
}
