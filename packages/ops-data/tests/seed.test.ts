import { PGlite } from '@electric-sql/pglite';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { startDataApiTestEndpoint } from '@gmcp/local-aws';
import { migrate } from '../src/schema/migrate';
import { INCIDENT_SCENARIOS } from '../src/seed/incident-scenarios';
import { TICKET_PRIORITIES, TICKET_STATUSES } from '../src/seed/seed-catalog';
import { generateSeedData, SEED_ANCHORS, type SeedData, type SeedIncident, type SeedTimelineEntry } from '../src/seed/seed-data';
import { DatabaseNotEmptyError, isSeeded, seedDatabase, type SeedCounts } from '../src/seed/seed-database';
import { TICKET_SCENARIOS } from '../src/seed/ticket-seed';
import { createDataApiExecutor } from '../src/sql/data-api-executor';
import { createPgliteExecutor } from '../src/sql/pglite-executor';
import type { SqlExecutor } from '../src/sql/sql-executor';

const NOW = new Date('2026-03-10T09:30:00.000Z');
const DAY_MS = 24 * 60 * 60 * 1000;
const data: SeedData = generateSeedData({ now: NOW });

const ticket = (id: string) => data.tickets.find((candidate) => candidate.id === id);
const incident = (id: string) => data.incidents.find((candidate) => candidate.id === id);
const timelineOf = (id: string) => data.timeline.filter((entry) => entry.incident_id === id);
const commentsOf = (id: string) => data.comments.filter((comment) => comment.ticket_id === id);
const isOpen = (candidate: SeedIncident) => candidate.status !== 'resolved';
const newestFirst = (incidents: readonly SeedIncident[]) => [...incidents].sort((a, b) => b.started_at.getTime() - a.started_at.getTime());
const numbersOf = (ids: readonly string[]) => ids.map((id) => Number(id.slice(4)));

function allText(seed: SeedData): string[] {
  return [
    ...seed.tickets.flatMap((row) => [row.title, row.description, ...row.labels]),
    ...seed.comments.map((row) => row.body),
    ...seed.incidents.flatMap((row) => [row.title, row.summary]),
    ...seed.timeline.map((row) => row.body),
  ];
}

describe('generateSeedData', () => {
  it('is deterministic: the same now gives the same data', () => {
    expect(generateSeedData({ now: new Date(NOW) })).toEqual(data);
  });

  it('moves only the timestamps when now moves', () => {
    const later = generateSeedData({ now: new Date(NOW.getTime() + DAY_MS) });
    expect(later.tickets.map((row) => [row.id, row.title, row.status])).toEqual(data.tickets.map((row) => [row.id, row.title, row.status]));
    expect(later.tickets.map((row) => row.created_at.getTime() - row.updated_at.getTime())).toEqual(data.tickets.map((row) => row.created_at.getTime() - row.updated_at.getTime()));
    expect(later.incidents[0]?.started_at.getTime()).toBe((data.incidents[0]?.started_at.getTime() ?? 0) + DAY_MS);
  });

  it('numbers tickets and incidents contiguously from the anchors', () => {
    expect(data.tickets.length).toBeGreaterThanOrEqual(220);
    expect(data.incidents.length).toBeGreaterThanOrEqual(45);
    expect(numbersOf(data.tickets.map((row) => row.id))).toEqual(data.tickets.map((_row, index) => 1000 + index));
    expect(numbersOf(data.incidents.map((row) => row.id))).toEqual(data.incidents.map((_row, index) => 2000 + index));
    expect(data.tickets.at(-1)?.id).toBe(SEED_ANCHORS.lastTicketId);
    expect(data.incidents.at(-1)?.id).toBe(SEED_ANCHORS.lastIncidentId);
  });

  it('gives each ticket 0 to 6 comments and each incident 4 to 15 timeline entries', () => {
    for (const row of data.tickets) expect(commentsOf(row.id).length).toBeLessThanOrEqual(6);
    for (const row of data.incidents) {
      expect(timelineOf(row.id).length).toBeGreaterThanOrEqual(4);
      expect(timelineOf(row.id).length).toBeLessThanOrEqual(15);
    }
    expect(new Set(data.comments.map((comment) => comment.ticket_id)).size).toBeLessThan(data.tickets.length);
  });

  it('makes TCK-1042 an assigned, in-progress P2 VPN ticket for the network team', () => {
    const vpn = ticket(SEED_ANCHORS.vpnTicketId);
    expect(vpn).toMatchObject({ status: 'in_progress', priority: 'P2', team: 'network', resolution: null });
    expect(vpn?.assignee).toEqual(expect.any(String));
    expect(`${vpn?.title} ${vpn?.description}`).toMatch(/VPN/);
    expect(vpn?.title).toMatch(/disconnect|dropping/i);
    expect(commentsOf(SEED_ANCHORS.vpnTicketId).length).toBeGreaterThanOrEqual(3);
  });

  it('keeps INC-2031 an open SEV1 on payments and checkout, with another open SEV2 on payments', () => {
    expect(incident(SEED_ANCHORS.openSev1PaymentsIncidentId)).toMatchObject({ status: 'identified', severity: 'SEV1', services: ['payments', 'checkout'] });
    const otherOpenSev2 = data.incidents.filter((row) => isOpen(row) && row.severity === 'SEV2' && row.services.includes('payments'));
    expect(otherOpenSev2.map((row) => row.id)).toContain(SEED_ANCHORS.openSev2PaymentsIncidentId);
  });

  it('makes the latest login incident a resolved one with a full timeline, after older login incidents', () => {
    const login = newestFirst(data.incidents.filter((row) => row.services.includes('login')));
    expect(login.length).toBeGreaterThanOrEqual(3);
    expect(login[0]).toMatchObject({ id: SEED_ANCHORS.latestLoginIncidentId, status: 'resolved' });
    expect(timelineOf(SEED_ANCHORS.latestLoginIncidentId).length).toBeGreaterThanOrEqual(8);
  });

  it('has at least 5 open and 30 resolved incidents, the open ones the newest', () => {
    const open = data.incidents.filter(isOpen);
    expect(open.length).toBeGreaterThanOrEqual(5);
    expect(data.incidents.filter((row) => row.status === 'resolved').length).toBeGreaterThanOrEqual(30);
    expect(newestFirst(data.incidents).slice(0, open.length).every(isOpen)).toBe(true);
  });

  it('covers every ticket status with at least two priorities, eight teams and unassigned tickets', () => {
    for (const status of TICKET_STATUSES) {
      const priorities = new Set(data.tickets.filter((row) => row.status === status).map((row) => row.priority));
      expect([status, priorities.size >= 2]).toEqual([status, true]);
    }
    expect(new Set(data.tickets.map((row) => row.priority))).toEqual(new Set(TICKET_PRIORITIES));
    expect(new Set(data.tickets.map((row) => row.team)).size).toBeGreaterThanOrEqual(8);
    expect(data.tickets.some((row) => row.assignee === null)).toBe(true);
  });

  it('gives a resolution to resolved and closed tickets only, and keeps ticket times in order', () => {
    const oldest = NOW.getTime() - 180 * DAY_MS;
    for (const row of data.tickets) {
      expect([row.id, row.resolution !== null]).toEqual([row.id, row.status === 'resolved' || row.status === 'closed']);
      expect(row.created_at.getTime()).toBeGreaterThanOrEqual(oldest);
      expect(row.updated_at.getTime()).toBeGreaterThanOrEqual(row.created_at.getTime());
      expect(row.updated_at.getTime()).toBeLessThanOrEqual(NOW.getTime());
      for (const comment of commentsOf(row.id)) {
        expect(comment.created_at.getTime()).toBeGreaterThanOrEqual(row.created_at.getTime());
        expect(comment.created_at.getTime()).toBeLessThanOrEqual(row.updated_at.getTime());
      }
    }
  });

  it('keeps incident status, times and timeline consistent', () => {
    for (const row of data.incidents) expectConsistentIncident(row, timelineOf(row.id));
  });

  it('writes text that reads like real tickets: no placeholders, no filler, distinct titles', () => {
    const text = allText(data);
    expect(text.filter((value) => /[{}]/.test(value))).toEqual([]);
    expect(text.filter((value) => /lorem|ipsum|\bTicket \d+|\bundefined\b|\bNaN\b|\bnull\b/i.test(value))).toEqual([]);
    expect(new Set(data.tickets.map((row) => row.title)).size).toBeGreaterThan(data.tickets.length * 0.8);
    expect(data.tickets.filter((row) => /\bVPN\b/.test(`${row.title} ${row.description}`)).length).toBeGreaterThanOrEqual(3);
    expect(data.tickets.filter((row) => /\blaptop\b/i.test(`${row.title} ${row.description}`)).length).toBeGreaterThanOrEqual(3);
  });

  it('draws from at least 70 ticket and 25 incident scenarios', () => {
    expect(new Set(TICKET_SCENARIOS.map((scenario) => scenario.key)).size).toBeGreaterThanOrEqual(70);
    expect(new Set(INCIDENT_SCENARIOS.map((scenario) => scenario.key)).size).toBeGreaterThanOrEqual(25);
    expect(new Set(data.tickets.map((row) => row.team)).size).toBe(new Set(TICKET_SCENARIOS.map((scenario) => scenario.team)).size);
  });

  it('satisfies the schema checks on ids and lengths', () => {
    for (const row of data.tickets) {
      expect(row.id).toMatch(/^TCK-[0-9]{4,7}$/);
      expect(row.title.length).toBeLessThanOrEqual(200);
    }
    for (const row of data.incidents) {
      expect(row.id).toMatch(/^INC-[0-9]{4,7}$/);
      expect(row.title.length).toBeLessThanOrEqual(200);
      expect(row.services.length).toBeGreaterThanOrEqual(1);
    }
  });
});

function expectConsistentIncident(row: SeedIncident, timeline: readonly SeedTimelineEntry[]): void {
  const times = timeline.map((entry) => entry.at.getTime());
  const kindsOf = (kind: SeedTimelineEntry['kind']) => timeline.filter((entry) => entry.kind === kind);
  expect([row.id, times]).toEqual([row.id, [...times].sort((a, b) => a - b)]);
  expect(timeline[0]).toMatchObject({ kind: 'detected', at: row.started_at });
  expect(row.updated_at).toEqual(timeline.at(-1)?.at);
  expect(row.resolved_at !== null).toBe(row.status === 'resolved');
  expect(row.resolved_at).toEqual(kindsOf('resolved')[0]?.at ?? null);
  expect(row.mitigated_at).toEqual(kindsOf('mitigated')[0]?.at ?? null);
  if (row.status === 'resolved') expect(timeline.at(-1)?.kind).toBe('resolved');
  if (row.mitigated_at) expect(row.mitigated_at.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
  if (row.resolved_at) expect(row.resolved_at.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
  expect(kindsOf('status_change').map((entry) => entry.details)).toEqual(row.status === 'investigating' ? [] : [{ from: 'investigating', to: 'identified' }]);
  for (const change of kindsOf('severity_change')) expect(change.details).toEqual({ from: expect.stringMatching(/^SEV[2-4]$/), to: row.severity });
  for (const entry of timeline.filter((candidate) => candidate.kind !== 'status_change' && candidate.kind !== 'severity_change')) expect(entry.details).toEqual({});
}

describe('seedDatabase on PGlite', () => {
  let db: PGlite;
  let executor: SqlExecutor;
  let seededBefore: boolean;
  let counts: SeedCounts;

  const count = async (table: string) => Number((await executor.query({ sql: `SELECT count(*)::int AS n FROM ${table}` })).rows[0]?.n);

  beforeAll(async () => {
    db = new PGlite();
    executor = createPgliteExecutor(db);
    await migrate(executor);
    seededBefore = await isSeeded(executor);
    counts = await seedDatabase(executor, { now: NOW });
  });
  afterAll(() => db.close());

  it('loads every row, within the schema checks', async () => {
    const expected = { tickets: data.tickets.length, comments: data.comments.length, incidents: data.incidents.length, timeline: data.timeline.length };
    expect(counts).toEqual(expected);
    expect({
      tickets: await count('tickets'),
      comments: await count('ticket_comments'),
      incidents: await count('incidents'),
      timeline: await count('incident_timeline'),
    }).toEqual(expected);
    expect([seededBefore, await isSeeded(executor)]).toEqual([false, true]);
  });

  it('stores arrays, timestamps and JSON details as generated', async () => {
    const { rows } = await executor.query({ sql: 'SELECT labels, created_at, assignee FROM tickets WHERE id = :id', params: { id: SEED_ANCHORS.vpnTicketId } });
    const vpn = ticket(SEED_ANCHORS.vpnTicketId);
    expect(rows[0]).toEqual({ labels: vpn?.labels, created_at: vpn?.created_at, assignee: vpn?.assignee });
    const change = await executor.query({
      sql: "SELECT details->>'to' AS severity FROM incident_timeline WHERE incident_id = :id AND kind = 'severity_change'",
      params: { id: SEED_ANCHORS.openSev1PaymentsIncidentId },
    });
    expect(change.rows).toEqual([{ severity: 'SEV1' }]);
  });

  it('finds the VPN tickets by full-text search', async () => {
    const { rows } = await executor.query({ sql: "SELECT id FROM tickets WHERE search @@ websearch_to_tsquery('english', 'vpn')" });
    const found = rows.map((row) => row.id);
    const labelled = data.tickets.filter((row) => row.labels.includes('vpn')).map((row) => row.id);
    expect(labelled.length).toBeGreaterThanOrEqual(3);
    expect(found).toEqual(expect.arrayContaining([SEED_ANCHORS.vpnTicketId, ...labelled]));
  });

  it('refuses to seed a database that holds data, and changes nothing', async () => {
    await expect(seedDatabase(executor, { now: new Date(NOW.getTime() + DAY_MS) })).rejects.toThrow(DatabaseNotEmptyError);
    expect([await count('tickets'), await count('ticket_comments'), await count('incidents'), await count('incident_timeline')]).toEqual([
      data.tickets.length,
      data.comments.length,
      data.incidents.length,
      data.timeline.length,
    ]);
  });
});

describe('seedDatabase through the Data API', () => {
  it('loads each table with one statement, in one transaction', async () => {
    const db = new PGlite();
    await migrate(createPgliteExecutor(db));
    const adminSecret = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:gmcp/ops-admin-AbCdEf';
    const endpoint = await startDataApiTestEndpoint({ db, secrets: { [adminSecret]: { user: 'postgres' } } });
    const client = new RDSDataClient({ region: 'us-east-1', endpoint: endpoint.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      const executor = createDataApiExecutor({ client, resourceArn: endpoint.resourceArn, secretArn: adminSecret, database: 'ops' });
      expect(await seedDatabase(executor, { now: NOW })).toEqual({
        tickets: data.tickets.length,
        comments: data.comments.length,
        incidents: data.incidents.length,
        timeline: data.timeline.length,
      });
      expect(endpoint.requests.map((request) => request.sql?.split(' (')[0] ?? request.operation)).toEqual([
        'BeginTransaction',
        expect.stringMatching(/^SELECT EXISTS/),
        'INSERT INTO tickets',
        'INSERT INTO ticket_comments',
        'INSERT INTO incidents',
        'INSERT INTO incident_timeline',
        'CommitTransaction',
      ]);
    } finally {
      client.destroy();
      await endpoint.stop();
      await db.close();
    }
  });
});
