import { PGlite } from '@electric-sql/pglite';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { ChangeRefusedError, RecordNotFoundError } from '../src/errors';
import { startDataApiTestEndpoint, type DataApiTestEndpoint } from '@gmcp/local-aws';
import { createDataApiExecutor } from '../src/sql/data-api-executor';
import { createPgliteExecutor } from '../src/sql/pglite-executor';
import type { SqlExecutor } from '../src/sql/sql-executor';
import { migrate } from '../src/schema/migrate';
import { DATABASE_ROLES } from '../src/schema/roles';
import { createLogin } from '../src/schema/logins';
import { seedDatabase } from '../src/seed/seed-database';
import { createTicketReads } from '../src/reads/ticket-reads';
import { createIncidentReads } from '../src/reads/incident-reads';
import { createTicketWrites, type TicketWrites } from '../src/writes/ticket-writes';
import { createIncidentWrites, type IncidentWrites } from '../src/writes/incident-writes';
import { IdempotencyRaceError, requestHash } from '../src/writes/idempotency';
import { SqlStatementError } from '../src/sql/sql-errors';
import { integerColumn, selectRows } from '../src/sql/codecs';
import { z } from 'zod';

const SEEDED_AT = new Date('2026-11-25T12:00:00Z');
const NOW = new Date('2026-11-26T09:30:00.123Z');
const LATER = new Date('2026-11-26T10:45:00.456Z');
const ACTOR = 'amira.haddad';
const context = { actor: ACTOR, now: NOW };

/** A migrated, seeded in-memory database with the schema owner's executor and the writer's. */
async function seededDatabase() {
  const db = new PGlite();
  const owner = createPgliteExecutor(db);
  await migrate(owner);
  await seedDatabase(owner, { now: SEEDED_AT });
  return { db, owner, writer: createPgliteExecutor(db, { role: DATABASE_ROLES.writer }) };
}

/** Row counts and a digest of every row: equal snapshots mean nothing changed. */
const Snapshot = z.object({
  tickets: integerColumn,
  comments: integerColumn,
  incidents: integerColumn,
  timeline: integerColumn,
  requests: integerColumn,
  tickets_digest: z.string(),
  incidents_digest: z.string(),
});

async function snapshot(owner: SqlExecutor) {
  const [row] = await selectRows(owner, Snapshot, {
    sql: `SELECT (SELECT count(*) FROM tickets)::int AS tickets, (SELECT count(*) FROM ticket_comments)::int AS comments,
                 (SELECT count(*) FROM incidents)::int AS incidents, (SELECT count(*) FROM incident_timeline)::int AS timeline,
                 (SELECT count(*) FROM write_requests)::int AS requests,
                 (SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM tickets t) AS tickets_digest,
                 (SELECT md5(string_agg(i::text, '|' ORDER BY id)) FROM incidents i) AS incidents_digest`,
  });
  return row!;
}

/** A ticket as the reads return it. */
async function readTicket(executor: SqlExecutor, id: string) {
  return createTicketReads(executor).get(id, 50);
}

/** Hands out seeded ids matching `where`, each once, so tests do not share rows. */
function idPicker(owner: () => SqlExecutor) {
  const taken = new Set<string>();
  return async (table: 'tickets' | 'incidents', where: string): Promise<string> => {
    const { rows } = await owner().query({ sql: `SELECT id FROM ${table} WHERE ${where} ORDER BY id` });
    const id = rows.map((row) => String(row.id)).find((candidate) => !taken.has(candidate));
    if (!id) throw new Error(`No untaken ${table} row where ${where}`);
    taken.add(id);
    return id;
  };
}

describe('writes on the embedded database', () => {
  let db: PGlite;
  let owner: SqlExecutor;
  let writer: SqlExecutor;
  let tickets: TicketWrites;
  let incidents: IncidentWrites;
  const pick = idPicker(() => owner);
  const state = () => snapshot(owner);
  const ticketDetail = (id: string) => readTicket(owner, id);
  const incidentDetail = (id: string) => createIncidentReads(owner).get(id);

  beforeAll(async () => {
    ({ db, owner, writer } = await seededDatabase());
    tickets = createTicketWrites(writer);
    incidents = createIncidentWrites(writer);
  });
  afterAll(() => db.close());

  describe('migration 4', () => {
    it('numbers new tickets from a sequence far above the seeded ids', async () => {
      const { rows } = await owner.query({ sql: 'SELECT max(substr(id, 5)::int) AS tickets, (SELECT max(substr(id, 5)::int) FROM incidents) AS incidents FROM tickets' });
      expect(rows[0]).toEqual({ tickets: expect.any(Number), incidents: expect.any(Number) });
      expect(Number(rows[0]!.tickets)).toBeLessThan(5000);
      expect(Number(rows[0]!.incidents)).toBeLessThan(8000);
      const first = await tickets.create(context, { title: 'First new ticket', description: 'Numbered by the sequence.', priority: 'P4', team: 'workplace' });
      const second = await tickets.create(context, { title: 'Second new ticket', description: 'Numbered by the sequence.', priority: 'P4', team: 'workplace' });
      expect([first.id, second.id]).toEqual(['TCK-5000', 'TCK-5001']);
      const next = await writer.query({ sql: "SELECT nextval('incident_number')::int AS n" });
      expect(next.rows).toEqual([{ n: 8000 }]);
    });

    it('lets the writer use the sequences and read and insert write_requests, and the reader none of it', async () => {
      const { rows } = await owner.query({
        sql: `SELECT r AS role,
                has_sequence_privilege(r, 'ticket_number', 'USAGE') AS ticket_number,
                has_sequence_privilege(r, 'incident_number', 'USAGE') AS incident_number,
                (SELECT array_agg(p ORDER BY p) FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p
                 WHERE has_table_privilege(r, 'write_requests', p)) AS write_requests
              FROM unnest(ARRAY[:reader, :writer]) AS r ORDER BY r`,
        params: { reader: DATABASE_ROLES.reader, writer: DATABASE_ROLES.writer },
      });
      expect(rows).toEqual([
        { role: DATABASE_ROLES.reader, ticket_number: false, incident_number: false, write_requests: null },
        { role: DATABASE_ROLES.writer, ticket_number: true, incident_number: true, write_requests: ['INSERT', 'SELECT'] },
      ]);
    });

    it('refuses the reader role write_requests and writing tickets, and the writer changing or deleting a stored request', async () => {
      await tickets.create({ ...context, idempotencyKey: 'privileges' }, { title: 'Stored', description: 'A stored request.', priority: 'P4', team: 'workplace' });
      const reader = createPgliteExecutor(db, { role: DATABASE_ROLES.reader });
      const denied = { name: 'SqlStatementError', sqlState: '42501' };
      await expect(reader.query({ sql: 'SELECT count(*) FROM write_requests' })).rejects.toMatchObject(denied);
      await expect(reader.query({ sql: "UPDATE tickets SET status = 'closed' WHERE id = 'TCK-1042'" })).rejects.toMatchObject(denied);
      await expect(
        reader.query({ sql: "INSERT INTO tickets (id, title, description, status, priority, requester, team, created_at, updated_at) VALUES ('TCK-9000', 't', 'd', 'open', 'P4', 'x', 'y', now(), now())" }),
      ).rejects.toMatchObject(denied);
      await expect(reader.query({ sql: "SELECT nextval('ticket_number')" })).rejects.toMatchObject(denied);
      await expect(writer.query({ sql: "UPDATE write_requests SET result = '{}' WHERE idempotency_key = 'privileges'" })).rejects.toMatchObject(denied);
      await expect(writer.query({ sql: "DELETE FROM write_requests WHERE idempotency_key = 'privileges'" })).rejects.toMatchObject(denied);
    });
  });

  describe('tickets', () => {
    it('creates an open ticket requested by the actor, and returns it as stored', async () => {
      const ticket = await tickets.create(context, { title: 'Badge reader broken', description: 'The badge reader at door 3 blinks red.', priority: 'P3', team: 'workplace' });
      expect(ticket).toEqual({
        id: expect.stringMatching(/^TCK-5\d{3}$/),
        title: 'Badge reader broken',
        description: 'The badge reader at door 3 blinks red.',
        status: 'open',
        resolution: null,
        priority: 'P3',
        requester: ACTOR,
        assignee: null,
        team: 'workplace',
        labels: [],
        createdAt: NOW,
        updatedAt: NOW,
      });
      expect((await ticketDetail(ticket.id))?.ticket).toEqual(ticket);
    });

    it('creates a ticket with a requester, an assignee and labels that need quoting', async () => {
      const labels = ['door', 'a "quoted" label', 'comma, inside', 'back\\slash'];
      const ticket = await tickets.create(context, {
        title: 'Printer',
        description: 'Jams.',
        priority: 'P2',
        team: 'workplace',
        requester: 'sam.lee',
        assignee: 'jo.park',
        labels,
      });
      expect(ticket).toMatchObject({ requester: 'sam.lee', assignee: 'jo.park', labels });
      expect((await ticketDetail(ticket.id))?.ticket.labels).toEqual(labels);
    });

    it('adds a comment by the actor and touches the ticket', async () => {
      const id = await pick('tickets', "status = 'open'");
      const before = await ticketDetail(id);
      const comment = await tickets.addComment(context, id, 'Rebooted the switch; please check again.');
      expect(comment).toEqual({ author: ACTOR, body: 'Rebooted the switch; please check again.', createdAt: NOW });
      const after = await ticketDetail(id);
      expect(after?.commentCount).toBe(before!.commentCount + 1);
      expect(after?.latestComments[0]).toEqual(comment);
      expect(after?.ticket).toEqual({ ...before!.ticket, updatedAt: NOW });
    });

    it('sets resolution fixed when resolving or closing without one, keeps an existing one, and clears it when reopening', async () => {
      const id = await pick('tickets', "status = 'in_progress'");
      const resolved = await tickets.update(context, id, { status: 'resolved' });
      expect(resolved).toMatchObject({ id, status: 'resolved', resolution: 'fixed', updatedAt: NOW });
      await owner.query({ sql: "UPDATE tickets SET resolution = 'duplicate' WHERE id = :id", params: { id } });
      expect(await tickets.update(context, id, { status: 'closed' })).toMatchObject({ status: 'closed', resolution: 'duplicate' });
      const reopened = await tickets.update({ ...context, now: LATER }, id, { status: 'waiting' });
      expect(reopened).toMatchObject({ status: 'waiting', resolution: null, updatedAt: LATER });
      expect((await ticketDetail(id))?.ticket).toEqual(reopened);
    });

    it('assigns, unassigns and reprioritises, leaving what was not given', async () => {
      const id = await pick('tickets', "status = 'open' AND assignee IS NOT NULL");
      const before = (await ticketDetail(id))!.ticket;
      const reassigned = await tickets.update(context, id, { assignee: 'jo.park', priority: 'P1' });
      expect(reassigned).toEqual({ ...before, assignee: 'jo.park', priority: 'P1', updatedAt: NOW });
      const unassigned = await tickets.update(context, id, { assignee: null });
      expect(unassigned).toEqual({ ...reassigned, assignee: null });
      expect(await tickets.update(context, id, { status: 'in_progress' })).toEqual({ ...unassigned, status: 'in_progress' });
    });

    it('refuses an update without changes', async () => {
      const id = await pick('tickets', "status = 'open'");
      const before = await state();
      await expect(tickets.update(context, id, {})).rejects.toThrow(new ChangeRefusedError('Nothing to update: give a status, an assignee (null to unassign) or a priority'));
      expect(await state()).toEqual(before);
    });

    it('closes as won\'t fix with the reason as the actor\'s comment, once', async () => {
      const id = await pick('tickets', "status = 'waiting'");
      const before = await ticketDetail(id);
      const closed = await tickets.closeAsWontFix(context, id, 'Hardware is end of life; replacing instead.');
      expect(closed).toEqual({
        ticket: { ...before!.ticket, status: 'closed', resolution: 'wont_fix', updatedAt: NOW },
        comment: { author: ACTOR, body: 'Hardware is end of life; replacing instead.', createdAt: NOW },
      });
      const after = await ticketDetail(id);
      expect(after).toEqual({ ticket: closed.ticket, commentCount: before!.commentCount + 1, latestComments: [closed.comment, ...before!.latestComments] });

      const unchanged = await state();
      const again = tickets.closeAsWontFix({ ...context, now: LATER }, id, 'Again');
      await expect(again).rejects.toBeInstanceOf(ChangeRefusedError);
      await expect(again).rejects.toThrow(`Ticket ${id} is already closed (resolution: wont_fix)`);
      expect(await state()).toEqual(unchanged);
    });

    it('closes in one transaction: a comment the database refuses leaves the ticket open', async () => {
      const id = await pick('tickets', "status = 'open'");
      const before = await state();
      await expect(tickets.closeAsWontFix(context, id, 'x'.repeat(10_001))).rejects.toBeInstanceOf(SqlStatementError);
      expect(await state()).toEqual(before);
      expect((await ticketDetail(id))?.ticket.status).toBe('open');
    });

    it('reports an unknown ticket as not found and changes nothing', async () => {
      const before = await state();
      const missing = 'TCK-9999999';
      const calls = [
        tickets.addComment(context, missing, 'Hello?'),
        tickets.update(context, missing, { status: 'closed' }),
        tickets.closeAsWontFix(context, missing, 'Gone'),
        tickets.addComment({ ...context, idempotencyKey: 'missing-ticket' }, missing, 'Hello?'),
      ];
      for (const call of calls) {
        await expect(call).rejects.toBeInstanceOf(RecordNotFoundError);
        await expect(call).rejects.toThrow('Ticket TCK-9999999 does not exist');
      }
      expect(await state()).toEqual(before);
    });
  });

  describe('incidents', () => {
    it('adds updates and actions by the actor and touches the incident', async () => {
      const id = await pick('incidents', "status = 'investigating'");
      const before = await incidentDetail(id);
      const update = await incidents.addUpdate(context, id, { body: 'Error rate back under 1%.' });
      expect(update).toEqual({ at: NOW, author: ACTOR, kind: 'update', body: 'Error rate back under 1%.', details: {} });
      const action = await incidents.addUpdate({ ...context, now: LATER }, id, { body: 'Rolled back release 42.', kind: 'action' });
      expect(action).toEqual({ at: LATER, author: ACTOR, kind: 'action', body: 'Rolled back release 42.', details: {} });
      const after = await incidentDetail(id);
      expect(after).toEqual({ incident: { ...before!.incident, updatedAt: LATER }, timeline: [...before!.timeline, update, action], timelineTotal: before!.timelineTotal + 2 });
    });

    it('changes the severity with a severity_change entry, and refuses the same severity', async () => {
      const id = await pick('incidents', "status = 'identified' AND severity = 'SEV3'");
      const before = await incidentDetail(id);
      const change = await incidents.changeSeverity(context, id, 'SEV1', 'Checkout is down for every region.');
      expect(change).toEqual({
        incident: { ...before!.incident, severity: 'SEV1', updatedAt: NOW },
        entry: { at: NOW, author: ACTOR, kind: 'severity_change', body: 'Checkout is down for every region.', details: { from: 'SEV3', to: 'SEV1' } },
      });
      expect(await incidentDetail(id)).toEqual({ incident: change.incident, timeline: [...before!.timeline, change.entry], timelineTotal: before!.timelineTotal + 1 });

      const unchanged = await state();
      await expect(incidents.changeSeverity(context, id, 'SEV1', 'Still bad')).rejects.toThrow(new ChangeRefusedError(`Incident ${id} is already SEV1; nothing to change`));
      expect(await state()).toEqual(unchanged);
    });

    it('resolves an incident: resolved and mitigated now, a resolved entry, and the new summary', async () => {
      const id = await pick('incidents', "status = 'investigating' AND mitigated_at IS NULL");
      const before = await incidentDetail(id);
      const resolution = await incidents.resolve(context, id, 'Expired certificate renewed; logins work again.');
      expect(resolution).toEqual({
        incident: { ...before!.incident, status: 'resolved', summary: 'Expired certificate renewed; logins work again.', mitigatedAt: NOW, resolvedAt: NOW, updatedAt: NOW },
        entry: { at: NOW, author: ACTOR, kind: 'resolved', body: 'Expired certificate renewed; logins work again.', details: { from: 'investigating', to: 'resolved' } },
      });
      expect((await incidentDetail(id))?.incident).toEqual(resolution.incident);
    });

    it('keeps an earlier mitigation time and the summary when none is given', async () => {
      const id = await pick('incidents', "status = 'mitigated'");
      const before = (await incidentDetail(id))!.incident;
      const { incident, entry } = await incidents.resolve(context, id);
      expect(incident).toEqual({ ...before, status: 'resolved', resolvedAt: NOW, updatedAt: NOW });
      expect(before.mitigatedAt).not.toBeNull();
      expect(entry).toEqual({ at: NOW, author: ACTOR, kind: 'resolved', body: 'Incident resolved.', details: { from: 'mitigated', to: 'resolved' } });
    });

    it('refuses to resolve a resolved incident and changes nothing', async () => {
      const id = await pick('incidents', "status = 'resolved'");
      const before = await state();
      const again = incidents.resolve(context, id, 'Resolved twice?');
      await expect(again).rejects.toBeInstanceOf(ChangeRefusedError);
      await expect(again).rejects.toThrow(`Incident ${id} is already resolved`);
      expect(await state()).toEqual(before);
    });

    it('reports an unknown incident as not found and changes nothing', async () => {
      const before = await state();
      const missing = 'INC-9999999';
      const calls = [
        incidents.addUpdate(context, missing, { body: 'Anyone?' }),
        incidents.changeSeverity(context, missing, 'SEV1', 'Worse'),
        incidents.resolve(context, missing, 'Done'),
      ];
      for (const call of calls) {
        await expect(call).rejects.toBeInstanceOf(RecordNotFoundError);
        await expect(call).rejects.toThrow('Incident INC-9999999 does not exist');
      }
      expect(await state()).toEqual(before);
    });
  });

  describe('idempotency', () => {
    const newTicket = { title: 'Laptop will not boot', description: 'Black screen after the update.', priority: 'P2' as const, team: 'endpoint' };

    it('applies a retried call once and returns the first result, even at a later time', async () => {
      const keyed = { ...context, idempotencyKey: 'create-laptop-1' };
      const before = await state();
      const first = await tickets.create(keyed, newTicket);
      const afterFirst = await state();
      expect(afterFirst).toMatchObject({ tickets: before.tickets + 1, requests: before.requests + 1 });
      const retried = await tickets.create({ ...keyed, now: LATER }, { ...newTicket });
      expect(retried).toEqual(first);
      expect(await state()).toEqual(afterFirst);
    });

    it('returns the stored result of an update rather than applying it over later changes', async () => {
      const id = await pick('tickets', "status = 'open'");
      const keyed = { ...context, idempotencyKey: 'assign-1' };
      const first = await tickets.update(keyed, id, { assignee: 'jo.park' });
      await tickets.update({ ...context, now: LATER }, id, { assignee: 'sam.lee' });
      expect(await tickets.update(keyed, id, { assignee: 'jo.park' })).toEqual(first);
      expect((await ticketDetail(id))?.ticket).toMatchObject({ assignee: 'sam.lee', updatedAt: LATER });
    });

    it('replays every kind of result with its dates and details', async () => {
      const ticketId = await pick('tickets', "status = 'in_progress'");
      const incidentId = await pick('incidents', "status = 'identified' AND severity <> 'SEV1'");
      const keyed = (key: string) => ({ ...context, idempotencyKey: key });
      const calls = [
        () => tickets.addComment(keyed('comment'), ticketId, 'On it.'),
        () => tickets.closeAsWontFix(keyed('close'), ticketId, 'Not reproducible on current builds.'),
        () => incidents.addUpdate(keyed('update'), incidentId, { body: 'Paging the database team.', kind: 'action' }),
        () => incidents.changeSeverity(keyed('severity'), incidentId, 'SEV1', 'Spreading.'),
        () => incidents.resolve(keyed('resolve'), incidentId, 'Fixed.'),
      ];
      for (const call of calls) {
        const first = await call();
        const unchanged = await state();
        expect(await call()).toEqual(first);
        expect(await state()).toEqual(unchanged);
      }
    });

    it('refuses a key reused with different arguments and changes nothing', async () => {
      const keyed = { ...context, idempotencyKey: 'create-laptop-2' };
      await tickets.create(keyed, newTicket);
      const before = await state();
      const reused = tickets.create(keyed, { ...newTicket, priority: 'P1' });
      await expect(reused).rejects.toBeInstanceOf(ChangeRefusedError);
      await expect(reused).rejects.toThrow('Idempotency key "create-laptop-2" reused with different arguments for create_ticket');
      expect(await state()).toEqual(before);
    });

    it('scopes a key to its actor and tool', async () => {
      const id = await pick('tickets', "status = 'open'");
      const before = await state();
      await tickets.create({ ...context, idempotencyKey: 'shared' }, newTicket);
      await tickets.create({ ...context, actor: 'sam.lee', idempotencyKey: 'shared' }, newTicket);
      await tickets.addComment({ ...context, idempotencyKey: 'shared' }, id, 'Same key, other tool.');
      expect(await state()).toMatchObject({ tickets: before.tickets + 2, comments: before.comments + 1, requests: before.requests + 3 });
    });

    it('records nothing for a call that fails, so the key stays free', async () => {
      const keyed = { ...context, idempotencyKey: 'first-fails' };
      await expect(tickets.addComment(keyed, 'TCK-9999998', 'Hello')).rejects.toBeInstanceOf(RecordNotFoundError);
      const id = await pick('tickets', "status = 'open'");
      await expect(tickets.addComment(keyed, id, 'Hello')).resolves.toMatchObject({ body: 'Hello' });
    });

    it('applies concurrent calls with the same key once', async () => {
      const keyed = { ...context, idempotencyKey: 'concurrent' };
      const before = await state();
      const results = await Promise.all([tickets.create(keyed, newTicket), tickets.create(keyed, newTicket), tickets.create(keyed, newTicket)]);
      expect(results[1]).toEqual(results[0]);
      expect(results[2]).toEqual(results[0]);
      expect(await state()).toMatchObject({ tickets: before.tickets + 1, requests: before.requests + 1 });
    });

    it('rolls back a call that lost the race for its key and returns the winner\'s result', async () => {
      const keyed = { ...context, idempotencyKey: 'race' };
      const winner = await tickets.create(keyed, newTicket);
      const before = await state();
      // As if the winner committed between the loser's look-up and its own record.
      const loser = createTicketWrites(hidingRequests(writer, 1));
      expect(await loser.create(keyed, newTicket)).toEqual(winner);
      expect(await state()).toEqual(before);
    });

    it('says so clearly when a call keeps losing the race', async () => {
      const keyed = { ...context, idempotencyKey: 'race' };
      const before = await state();
      await expect(createTicketWrites(hidingRequests(writer, Infinity)).create(keyed, newTicket)).rejects.toBeInstanceOf(IdempotencyRaceError);
      expect(await state()).toEqual(before);
    });

    it('refuses an empty or overlong key', async () => {
      const before = await state();
      await expect(tickets.create({ ...context, idempotencyKey: '' }, newTicket)).rejects.toThrow(new ChangeRefusedError('The idempotency key must be 1 to 200 characters long'));
      await expect(tickets.create({ ...context, idempotencyKey: 'k'.repeat(201) }, newTicket)).rejects.toBeInstanceOf(ChangeRefusedError);
      expect(await state()).toEqual(before);
    });
  });
});

/** An executor whose first `times` look-ups of write_requests find nothing. */
function hidingRequests(executor: SqlExecutor, times: number): SqlExecutor {
  let hidden = 0;
  return {
    ...executor,
    transaction: (work) =>
      executor.transaction((session) =>
        work({
          query: async (statement) => {
            if (hidden < times && statement.sql.startsWith('SELECT request_hash, result FROM write_requests')) {
              hidden += 1;
              return { rows: [], rowsAffected: 0 };
            }
            return session.query(statement);
          },
        }),
      ),
  };
}

describe('requestHash', () => {
  it('is the sha256 of canonical JSON: key order and undefined members do not matter', () => {
    const hash = requestHash({ ticketId: 'TCK-1042', changes: { status: 'closed', assignee: null } });
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(requestHash({ changes: { assignee: null, status: 'closed', priority: undefined }, ticketId: 'TCK-1042' })).toBe(hash);
    expect(requestHash({ ticketId: 'TCK-1042', changes: { status: 'closed' } })).not.toBe(hash);
    expect(requestHash({ labels: ['a', 'b'] })).not.toBe(requestHash({ labels: ['b', 'a'] }));
  });
});

describe('writes through the Data API', () => {
  const CLUSTER = 'arn:aws:rds:us-east-1:000000000000:cluster:gmcp-ops';
  const WRITER_SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:gmcp/ops-writer-GhIjKl';
  let db: PGlite;
  let owner: SqlExecutor;
  let endpoint: DataApiTestEndpoint;
  let client: RDSDataClient;
  let tickets: TicketWrites;
  let incidents: IncidentWrites;
  const pick = idPicker(() => owner);
  const state = () => snapshot(owner);

  beforeAll(async () => {
    ({ db, owner } = await seededDatabase());
    await createLogin(owner, 'writer', 'ops_writer');
    endpoint = await startDataApiTestEndpoint({ db, resourceArn: CLUSTER, secrets: { [WRITER_SECRET]: { user: 'ops_writer' } } });
    client = new RDSDataClient({ region: 'us-east-1', endpoint: endpoint.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const writer = createDataApiExecutor({ client, resourceArn: CLUSTER, secretArn: WRITER_SECRET, database: 'ops', retry: { budgetMs: 2_000, initialDelayMs: 20, maxDelayMs: 100 } });
    tickets = createTicketWrites(writer);
    incidents = createIncidentWrites(writer);
  });
  afterAll(async () => {
    client.destroy();
    await endpoint.stop();
    await db.close();
  });

  it('creates a ticket once for a retried call and returns what the embedded reads see', async () => {
    const keyed = { ...context, idempotencyKey: 'data-api-create' };
    const input = { title: 'VPN drops', description: 'Every 10 minutes.', priority: 'P2' as const, team: 'network', labels: ['vpn', 'a "b", c'] };
    const before = await state();
    const created = await tickets.create(keyed, input);
    expect(created).toEqual({ ...input, id: 'TCK-5000', status: 'open', resolution: null, requester: ACTOR, assignee: null, createdAt: NOW, updatedAt: NOW });
    expect((await readTicket(owner, created.id))?.ticket).toEqual(created);
    const afterFirst = await state();
    expect(afterFirst).toMatchObject({ tickets: before.tickets + 1, requests: before.requests + 1 });
    expect(await tickets.create({ ...keyed, now: LATER }, input)).toEqual(created);
    expect(await state()).toEqual(afterFirst);
    await expect(tickets.create(keyed, { ...input, priority: 'P1' })).rejects.toThrow(/reused with different arguments/);
    expect(endpoint.requests.map((request) => request.operation)).toEqual(expect.arrayContaining(['BeginTransaction', 'CommitTransaction', 'RollbackTransaction']));
  });

  it('updates, comments and closes as won\'t fix in one transaction each', async () => {
    const id = await pick('tickets', "status = 'open'");
    expect(await tickets.update(context, id, { status: 'resolved', assignee: null, priority: 'P4' })).toMatchObject({ status: 'resolved', resolution: 'fixed', assignee: null, priority: 'P4' });
    expect(await tickets.addComment(context, id, 'Reopening to close properly.')).toEqual({ author: ACTOR, body: 'Reopening to close properly.', createdAt: NOW });
    expect(await tickets.update(context, id, { status: 'open' })).toMatchObject({ status: 'open', resolution: null });
    const closed = await tickets.closeAsWontFix({ ...context, idempotencyKey: 'data-api-close' }, id, 'Out of scope.');
    expect(closed.ticket).toMatchObject({ id, status: 'closed', resolution: 'wont_fix', updatedAt: NOW });
    expect(closed.comment).toEqual({ author: ACTOR, body: 'Out of scope.', createdAt: NOW });
    const unchanged = await state();
    expect(await tickets.closeAsWontFix({ ...context, idempotencyKey: 'data-api-close' }, id, 'Out of scope.')).toEqual(closed);
    await expect(tickets.closeAsWontFix(context, id, 'Out of scope.')).rejects.toThrow(`Ticket ${id} is already closed (resolution: wont_fix)`);
    await expect(tickets.addComment(context, 'TCK-9999999', 'Hello?')).rejects.toBeInstanceOf(RecordNotFoundError);
    expect(await state()).toEqual(unchanged);
    const detail = await readTicket(owner, id);
    expect(detail?.ticket).toEqual(closed.ticket);
    expect(detail?.latestComments.slice(0, 2)).toEqual([closed.comment, { author: ACTOR, body: 'Reopening to close properly.', createdAt: NOW }]);
  });

  it('adds updates, changes severity and resolves incidents', async () => {
    const id = await pick('incidents', "status = 'investigating' AND severity <> 'SEV1'");
    const before = (await createIncidentReads(owner).get(id))!;
    const update = await incidents.addUpdate(context, id, { body: 'Looking at the load balancer.', kind: 'action' });
    const severity = await incidents.changeSeverity(context, id, 'SEV1', 'All regions.');
    expect(severity.entry.details).toEqual({ from: before.incident.severity, to: 'SEV1' });
    const resolved = await incidents.resolve({ ...context, now: LATER, idempotencyKey: 'data-api-resolve' }, id, 'Load balancer replaced.');
    expect(resolved.incident).toEqual({ ...before.incident, severity: 'SEV1', status: 'resolved', summary: 'Load balancer replaced.', mitigatedAt: LATER, resolvedAt: LATER, updatedAt: LATER });
    expect(await incidents.resolve({ ...context, idempotencyKey: 'data-api-resolve' }, id, 'Load balancer replaced.')).toEqual(resolved);
    await expect(incidents.resolve(context, id)).rejects.toThrow(`Incident ${id} is already resolved`);
    expect(await createIncidentReads(owner).get(id)).toEqual({
      incident: resolved.incident,
      timeline: [...before.timeline, update, severity.entry, resolved.entry],
      timelineTotal: before.timelineTotal + 3,
    });
  });
});
