import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileAuditStore, recordsIn } from '@gmcp/mcp-kit/platform';
import { auditRecordsDir, digestDir, digestPublicKeyPath, localDigestStore, startPlatform } from '@gmcp/platform';
import { buildVerifier } from '@gmcp/platform';
import { connectClient } from './support/mcp-client';
import { npmOutput } from './support/processes';
import { tamperWithAuditLine } from './support/audit-files';

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
    expect(stdout).toContain("every writer's records follow each other without a gap, and every call has its outcome");
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

  it('npm start digests every interval while it runs, not only when it stops', async () => {
    const running = { GMCP_STATE_DIR: await mkdtemp(join(tmpdir(), 'gmcp-digests-periodic-')), LOG_LEVEL: 'SILENT', AUDIT_DIGEST_INTERVAL_SECONDS: '1' };
    const platform = await startPlatform(running, { servers: ['policy-reader'], ephemeralPorts: true });
    try {
      const client = await connectClient(platform.urls['policy-reader']!, await platform.token('policy-reader', { sub: 'dora', scopes: ['policies:read'] }), 'modern');
      await client.callTool({ name: 'search_policies', arguments: { query: 'hotel nightly rate' } });
      await client.close();
      const digests = () => localDigestStore(running).list();
      const digested = async () => (await digests()).reduce((total, digest) => total + digest.record_count, 0);
      // Generous on a busy CI machine: each tick reads the store, signs and writes a file.
      const deadline = Date.now() + 45_000;
      while ((await digested()) < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
      const made = await digests();
      expect({ records: await digested(), digests: made.length > 0 }).toEqual({ records: 2, digests: true });
    } finally {
      await platform.stop();
      await rm(running.GMCP_STATE_DIR, { recursive: true, force: true });
    }
  }, 120_000);

  it('reports the newest digest removed (with the records of its range) from the append-only index', async () => {
    const files = (await readdir(digestDir(env))).sort();
    const newest = join(digestDir(env), files.at(-1)!);
    const kept = await readFile(newest, 'utf8');
    await rm(newest);
    try {
      const { code, stdout } = await audit('verify');
      expect(stdout).toMatch(/digest_removed: the digest of the range ending \S+ is in the index but not among the digests/);
      expect(code).toBe(1);
    } finally {
      await writeFile(newest, kept);
    }
    expect((await audit('verify')).code).toBe(0);
  });

  it('reports a record deleted from the store as missing, and as a gap in its writer’s chain at once, with a non-zero exit', async () => {
    const written = await recordsIn(createFileAuditStore(auditRecordsDir(env)), new Date(Date.now() - 3_600_000).toISOString(), new Date().toISOString());
    const victim = written.find((record) => record.writer?.seq === 2 && record.event === 'tool_completed');
    await tamperWithAuditLine(auditRecordsDir(env), victim!, () => undefined);
    const { code, stdout } = await audit('verify');
    expect(stdout).toContain(`record_missing: record ${victim!.event_id} is listed in the digest but not in the store`);
    expect(stdout).toContain(`writer_gap  ${victim!.writer!.id}: record 2 is missing`);
    expect(code).toBe(1);
  });
});
