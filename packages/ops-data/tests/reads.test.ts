import { PGlite } from '@electric-sql/pglite';
import { migrate } from '../src/schema/migrate';
import { createPgliteExecutor } from '../src/sql/pglite-executor';
import { createTicketReads, type TicketReads } from '../src/reads/ticket-reads';
import { DATABASE_ROLES } from '../src/schema/roles';

/** Pages through a search to the end, returning ticket ids in order. */
async function allIds(reads: TicketReads, filters: Parameters<TicketReads['search']>[0], limit: number): Promise<string[]> {
  const ids: string[] = [];
  let after: Awaited<ReturnType<TicketReads['search']>>['next'];
  do {
    const page = await reads.search(filters, { limit, after });
    ids.push(...page.items.map((hit) => hit.ticket.id));
    after = page.next;
  } while (after);
  return ids;
}

describe('keyset paging', () => {
  let db: PGlite;
  let reads: TicketReads;
  beforeAll(async () => {
    db = new PGlite();
    const owner = createPgliteExecutor(db);
    await migrate(owner);
    // Ties to the microsecond, neighbours a microsecond apart, and equal text ranks.
    await db.exec(`
      INSERT INTO tickets (id, title, description, status, priority, requester, team, created_at, updated_at)
      SELECT 'TCK-' || (1000 + n), 'Printer jam on floor ' || (n % 3), 'The printer on the third floor jams on every duplex job.', 'open', 'P3', 'sam.lee', 'workplace',
             timestamptz '2026-11-20 10:00:00.000000+00' + (CASE WHEN n < 6 THEN 0 ELSE n END) * interval '1 microsecond',
             timestamptz '2026-11-21 10:00:00+00'
      FROM generate_series(0, 11) AS n`);
    reads = createTicketReads(createPgliteExecutor(db, { role: DATABASE_ROLES.reader, readOnly: true }));
  });
  afterAll(() => db.close());

  it.each([1, 2, 5, 12])('returns every ticket once, newest first, with pages of %i', async (limit) => {
    const ids = await allIds(reads, {}, limit);
    expect(ids).toEqual(['TCK-1011', 'TCK-1010', 'TCK-1009', 'TCK-1008', 'TCK-1007', 'TCK-1006', 'TCK-1005', 'TCK-1004', 'TCK-1003', 'TCK-1002', 'TCK-1001', 'TCK-1000']);
  });

  it('returns every match once when text ranks tie', async () => {
    const ids = await allIds(reads, { text: 'printer duplex' }, 5);
    expect([...ids].sort()).toEqual(Array.from({ length: 12 }, (_, n) => `TCK-${1000 + n}`));
  });
});
