import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalOpsDatabase } from '../src/local/local-database';
import { assertReadOnlyLogin } from '../src/schema/logins';

describe('the local embedded database', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ops-db-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is shared by the servers of one process and closed by the last one to release it', async () => {
    const first = await openLocalOpsDatabase({ dataDir: dir, seedNow: new Date('2026-11-25T12:00:00Z') });
    const opening = openLocalOpsDatabase({ dataDir: dir });
    await first.release();
    const second = await opening;
    expect(second.db).toBe(first.db);
    const { rows } = await second.executorFor('reader').query({ sql: 'SELECT count(*)::int AS n FROM tickets' });
    expect(rows[0]!.n).toBeGreaterThanOrEqual(200);
    await assertReadOnlyLogin(second.executorFor('reader'));
    await second.release();
    expect(second.db.closed).toBe(true);
  });

  it('keeps its data across restarts and does not seed twice', async () => {
    const again = await openLocalOpsDatabase({ dataDir: dir });
    const { rows } = await again.executorFor('reader').query({ sql: "SELECT count(*)::int AS n FROM tickets WHERE id = 'TCK-1042'" });
    expect(rows).toEqual([{ n: 1 }]);
    await again.release();
  });
});
