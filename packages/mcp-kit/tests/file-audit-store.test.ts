import { randomBytes } from 'node:crypto';
import { appendFile, cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createFileAuditStore, createRecordSigner, type AuditRecord, type AuditStore } from '../src/platform';
import { signedRecord } from './support/records';
import { jsonRpcBody, MCP_HEADERS, rpc, startTestGovernance, startTestIssuer, testConfig, testService, type Probe, type TestGovernance, type TestIssuer } from './support/harness';

const signer = createRecordSigner(randomBytes(32));
const record = (time: Date, overrides: Partial<AuditRecord> = {}) => signedRecord(signer, time, overrides);
const time = new Date('2026-11-21T08:00:00.000Z');
const around = { since: new Date(time.getTime() - 60_000), until: new Date(time.getTime() + 60_000), limit: 100 };

const lines = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter((line) => line !== '');

describe('embedded audit store (day files)', () => {
  let dir: string;
  let store: AuditStore;
  const dayFile = () => join(dir, '2026-11-21.jsonl');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'audit-files-'));
    store = createFileAuditStore(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps one JSON line per record in the file of its UTC day', async () => {
    const late = record(new Date('2026-11-21T23:59:59.999Z'));
    const early = record(new Date('2026-11-22T00:00:00.000Z'));
    await Promise.all([store.append(late), store.append(early)]);
    expect((await readdir(dir)).sort()).toEqual(['2026-11-21.jsonl', '2026-11-22.jsonl']);
    expect((await lines(dayFile())).map((line) => JSON.parse(line))).toEqual([late]);
  });

  it('writes concurrent appends together, and answers each only once its record is in the file', async () => {
    const records = Array.from({ length: 40 }, (_, index) => record(new Date(time.getTime() + index)));
    // What each caller finds in the file the moment its append answers.
    const inFileAtAnswer = await Promise.all(records.map(async (entry) => (await store.append(entry), (await readFile(dayFile(), 'utf8')).includes(entry.event_id))));
    expect(inFileAtAnswer.every(Boolean)).toBe(true);
    expect(await lines(dayFile())).toHaveLength(40);
    const { records: read } = await store.query(around);
    expect(new Set(read.map((entry) => entry.event_id))).toEqual(new Set(records.map((entry) => entry.event_id)));
  });

  it('fails every append of a write that fails, so that no caller hears "written" for a record that is not', async () => {
    await mkdir(dayFile()); // the day's file cannot be opened for appending
    const results = await Promise.allSettled([1, 2, 3].map((offset) => store.append(record(new Date(time.getTime() + offset)))));
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    await rm(dayFile(), { recursive: true });
    await store.append(record(time));
    expect(await lines(dayFile())).toHaveLength(1);
  });

  it('refuses only the record that would overwrite another when it is written with others', async () => {
    const first = record(time);
    await store.append(first);
    const others = [1, 2].map((offset) => record(new Date(time.getTime() + offset)));
    const results = await Promise.allSettled([store.append({ ...first, reason: 'rewritten' }), ...others.map((entry) => store.append(entry))]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(await lines(dayFile())).toHaveLength(3);
  });

  it('reads a folder written earlier, and still refuses to overwrite what it holds', async () => {
    const kept = record(time);
    await store.append(kept);
    const copy = await mkdtemp(join(tmpdir(), 'audit-files-copy-'));
    try {
      await cp(dir, copy, { recursive: true });
      const reopened = createFileAuditStore(copy);
      expect((await reopened.query(around)).records).toEqual([kept]);
      await expect(reopened.append({ ...kept, reason: 'rewritten' })).rejects.toThrow(/never overwritten/);
      await expect(reopened.append(kept)).resolves.toBeUndefined();
      expect(await lines(join(copy, '2026-11-21.jsonl'))).toHaveLength(1);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('reports a line cut short by a crash, and keeps appending after it on a line of its own', async () => {
    await store.append(record(time));
    await appendFile(dayFile(), '{"event_id":"cut-sh');
    const copy = await mkdtemp(join(tmpdir(), 'audit-files-copy-'));
    try {
      // A new process's store (a restart after the crash).
      await cp(dir, copy, { recursive: true });
      const restarted = createFileAuditStore(copy);
      const after = record(new Date(time.getTime() + 1000));
      await restarted.append(after);
      const page = await restarted.query(around);
      expect(page.records.map((entry) => entry.event_id)).toEqual([after.event_id, expect.any(String)]);
      expect(page.anomalies).toEqual([expect.objectContaining({ problem: 'unreadable', location: expect.stringMatching(/2026-11-21\.jsonl:2$/) })]);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('reports an edited line that no longer parses, and a record moved to another day’s file', async () => {
    const edited = record(time);
    const moved = record(new Date(time.getTime() + 1000));
    await store.append(edited);
    await writeFile(dayFile(), `${JSON.stringify({ ...edited, decision: 'approved' })}\n`);
    await writeFile(join(dir, '2026-11-20.jsonl'), `${JSON.stringify(moved)}\n`);
    const page = await store.query({ ...around, since: new Date('2026-11-20T00:00:00.000Z') });
    expect(page.records).toEqual([]);
    expect(page.anomalies).toEqual([
      expect.objectContaining({ problem: 'unreadable', detail: expect.stringContaining('decision') }),
      expect.objectContaining({ problem: 'keys_do_not_match_content', detail: expect.stringContaining(moved.event_id) }),
    ]);
  });

  it('reads a file edited in place again, even when its size did not change', async () => {
    const kept = record(time);
    await store.append(kept);
    expect((await store.query(around)).records).toEqual([kept]);
    const text = await readFile(dayFile(), 'utf8');
    await writeFile(dayFile(), text.replace('"reason":"policy_allowed"', '"reason":"policy_a11owed"'));
    expect((await readFile(dayFile(), 'utf8')).length).toBe(text.length);
    expect((await store.query(around)).records).toEqual([{ ...kept, reason: 'policy_a11owed' }]);
  });

  it('is one store per folder in a process (one writer, one view of what is taken)', () => {
    expect(createFileAuditStore(join(dir, '.'))).toBe(store);
  });

  it('refuses a cursor it did not hand out', async () => {
    await expect(store.query({ ...around, cursor: 'not-a-cursor' })).rejects.toThrow(/Invalid audit cursor/);
  });
});

describe('a service on the embedded store (fail closed)', () => {
  let issuer: TestIssuer;
  let governance: TestGovernance;
  let dir: string;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    governance = await startTestGovernance();
    dir = await mkdtemp(join(tmpdir(), 'audit-files-service-'));
  });
  afterAll(async () => {
    await governance.stop();
    await issuer.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs no handler while today’s file cannot be written, and records both events of a call once it can', async () => {
    const auditStore = createFileAuditStore(dir);
    const probe: Probe = { calls: 0 };
    const service = testService(testConfig(issuer.issuer.issuer), probe, { ...governance.adapters, auditStore });
    const call = async () =>
      request(service.app)
        .post('/mcp')
        .set(MCP_HEADERS)
        .set('Authorization', `Bearer ${await issuer.token({ scopes: ['echo:read'] })}`)
        .send(rpc('tools/call', { name: 'echo', arguments: { message: 'hi' } }));
    const today = join(dir, `${new Date().toISOString().slice(0, 10)}.jsonl`);
    try {
      await mkdir(today);
      expect((await call()).status).toBe(503);
      expect(probe.calls).toBe(0);

      await rm(today, { recursive: true });
      const answer = await call();
      expect(jsonRpcBody(answer).result).toMatchObject({ structuredContent: { message: 'hi' } });
      expect(probe.calls).toBe(1);
      const { records } = await auditStore.query({ since: new Date(Date.now() - 60_000), limit: 10 });
      expect(records.map((entry) => entry.event)).toEqual(['tool_completed', 'tool_allowed']);
    } finally {
      await service.close();
    }
  });
});
