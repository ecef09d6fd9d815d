import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { auditItemKey, createDynamoDbAuditStore, createDynamoDbClient, recordsIn } from '@gmcp/mcp-kit/platform';
import { connectLocalDynamoDb, digestDir, digestPublicKeyPath, LOCAL_TABLES, startPlatform } from '@gmcp/platform';
import { buildVerifier } from '@gmcp/platform';
import { connectClient } from './support/mcp-client';
import { npmOutput } from './support/processes';

/**
 * The digest chain as an operator and an auditor use it: `npm start` digests what its
 * servers wrote when it stops; `npm run audit -- verify` checks the chain; `export` and the
 * bundled standalone verifier check a copy with nothing but the public key.
 */
let stateDir: string;
let env: Record<string, string>;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'gmcp-digests-e2e-'));
  env = { GMCP_STATE_DIR: stateDir, LOG_LEVEL: 'SILENT' };
  const platform = await startPlatform(env, { servers: ['policy-reader'], ephemeralPorts: true });
  const client = await connectClient(platform.urls['policy-reader']!, await platform.token('policy-reader', { sub: 'dora', scopes: ['policies:read'] }), 'modern');
  for (const query of ['hotel nightly rate', 'laptop encryption']) await client.callTool({ name: 'search_policies', arguments: { query } });
  await client.close();
  await platform.stop();
}, 60_000);
afterAll(() => rm(stateDir, { recursive: true, force: true }));

const audit = (...args: string[]) => npmOutput(['run', '--silent', 'audit', '--', ...args], env);

describe('audit digests, end to end', () => {
  it('npm start wrote a signed digest at shutdown, and verify finds the chain and every record intact', async () => {
    const { code, stdout } = await audit('verify');
    expect(stdout).toMatch(/record\(s\), intact/);
    expect(stdout).toContain('OK: 1 digest(s), 4 record(s) verified');
    expect(code).toBe(0);
    expect(digestDir(env)).toContain(stateDir);
  });

  it('exports JSON Lines that the bundled standalone verifier checks with the public key alone, and catches an edit', async () => {
    const exported = join(stateDir, 'export.jsonl');
    expect((await audit('export', '--since', '24h', '--out', exported)).code).toBe(0);
    const verifier = await buildVerifier(join(stateDir, 'verifier', 'audit-verifier.mjs'));
    // An empty folder: no repository, no node_modules.
    const run = (file: string) => spawnSync(process.execPath, [verifier, file, digestPublicKeyPath(env)], { cwd: join(stateDir, 'verifier'), encoding: 'utf8' });
    expect(run(exported)).toMatchObject({ status: 0, stdout: expect.stringContaining('OK: 1 digest(s), 4 record(s) verified') });

    const tampered = join(stateDir, 'tampered.jsonl');
    await writeFile(tampered, (await readFile(exported, 'utf8')).replace('"subject":"dora"', '"subject":"eve"'));
    expect(run(tampered)).toMatchObject({ status: 1, stdout: expect.stringContaining('record_edited') });
  });

  it('reports a record deleted from the store as missing, with a non-zero exit', async () => {
    const local = await connectLocalDynamoDb(env);
    const client = createDynamoDbClient({ region: 'local', endpoint: local.endpoint });
    const [victim] = await recordsIn(createDynamoDbAuditStore(client, LOCAL_TABLES.audit), new Date(Date.now() - 3_600_000).toISOString(), new Date().toISOString());
    await client.send(new DeleteItemCommand({ TableName: LOCAL_TABLES.audit, Key: auditItemKey(victim!) }));
    client.destroy();
    await local.close();
    const { code, stdout } = await audit('verify');
    expect(stdout).toContain(`record_missing: record ${victim!.event_id} is listed in the digest but not in the store`);
    expect(code).toBe(1);
  });
});
