import type { Client } from '@modelcontextprotocol/client';
import { connectClient, type Handshake } from './support/mcp-client';
import { startOpsPlatform, type OpsBackend, type OpsPlatform } from './support/ops-platform';

jest.setTimeout(60_000);

interface TicketSummary { ticket_id: string; status: string; priority: string; team: string; snippet: string; created_at: string }
interface IncidentSummary { incident_id: string; severity: string; status: string; services: string[]; started_at: string }

const structured = <T>(result: Awaited<ReturnType<Client['callTool']>>) => {
  expect(result.isError).toBeFalsy();
  return result.structuredContent as T;
};

/** Follows next_cursor to the end, returning every page's items. */
async function allPages<T>(client: Client, name: string, args: Record<string, unknown>, key: string): Promise<{ items: T[]; totals: number[]; pages: number }> {
  const items: T[] = [];
  const totals: number[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Record<string, unknown> = structured(await client.callTool({ name, arguments: { ...args, ...(cursor ? { cursor } : {}) } }));
    items.push(...(page[key] as T[]));
    totals.push(page.total as number);
    cursor = page.next_cursor as string | null;
    pages += 1;
  } while (cursor && pages < 100);
  return { items, totals, pages };
}

describe.each<[OpsBackend, Handshake]>([
  ['embedded', 'modern'],
  ['data-api', 'legacy'],
])('tickets and incidents reader on the %s database, %s handshake', (backend, handshake) => {
  let platform: OpsPlatform;
  let client: Client;
  beforeAll(async () => {
    platform = await startOpsPlatform(backend);
    client = await connectClient(platform.reader.url, await platform.token(), handshake);
  });
  afterAll(async () => {
    await client?.close();
    await platform?.stop();
  });

  it('lists its four read-only tools, and only those the caller has scopes for', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['get_incident', 'get_ticket_status', 'list_incidents', 'search_tickets']);
    for (const tool of tools) expect(tool.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    const incidentsOnly = await connectClient(platform.reader.url, await platform.token({ scopes: ['incidents:read'] }), handshake);
    expect((await incidentsOnly.listTools()).tools.map((tool) => tool.name).sort()).toEqual(['get_incident', 'list_incidents']);
    await incidentsOnly.close();
  });

  it('answers "what is the status of TCK-1042"', async () => {
    const { found, ticket } = structured<{ found: boolean; ticket: Record<string, unknown> & { latest_comments: { created_at: string }[]; comment_count: number } }>(
      await client.callTool({ name: 'get_ticket_status', arguments: { ticket_id: 'tck-1042' } }),
    );
    expect(found).toBe(true);
    expect(ticket).toMatchObject({ ticket_id: 'TCK-1042', status: 'in_progress', priority: 'P2', team: 'network', assignee: expect.any(String) });
    expect(ticket.comment_count).toBeGreaterThanOrEqual(3);
    const times = ticket.latest_comments.map((comment) => comment.created_at);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('reports an unknown ticket or incident as not found, not as an error', async () => {
    const ticket = await client.callTool({ name: 'get_ticket_status', arguments: { ticket_id: 'TCK-9999999' } });
    expect(structured(ticket)).toEqual({ found: false, ticket: null, message: expect.stringContaining('No ticket TCK-9999999') });
    const incident = await client.callTool({ name: 'get_incident', arguments: { incident_id: 'INC-0001' } });
    expect(structured(incident)).toEqual({ found: false, incident: null, message: expect.stringContaining('No incident INC-0001') });
  });

  it.each([
    ['get_ticket_status', { ticket_id: 'TCK-12' }, /ticket_id: must look like TCK-1042/],
    ['get_ticket_status', { ticket_id: "TCK-1042' OR '1'='1" }, /ticket_id: must look like TCK-1042/],
    ['get_incident', { incident_id: 'TCK-1042' }, /incident_id: must look like INC-2031/],
    ['list_incidents', { severity: ['SEV0'] }, /severity/],
    ['search_tickets', { limit: 500 }, /limit/],
    ['search_tickets', { created_after: '2026-11-01', created_before: '2026-10-01' }, /created_after must be before created_before/],
    ['search_tickets', { team: "network' OR '1'='1" }, /team: must be a handle/],
  ])('refuses bad arguments to %s with a clear error: %j', async (name, args, message) => {
    const result = await client.callTool({ name, arguments: args });
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([{ type: 'text', text: expect.stringMatching(message) }]);
  });

  it('finds tickets by words, best match first, with matched words marked', async () => {
    const { tickets, total } = structured<{ tickets: TicketSummary[]; total: number }>(await client.callTool({ name: 'search_tickets', arguments: { text: 'VPN disconnects', limit: 5 } }));
    expect(total).toBeGreaterThanOrEqual(1);
    expect(tickets.map((ticket) => ticket.ticket_id)).toContain('TCK-1042');
    expect(tickets[0]!.snippet).toMatch(/\*\*\w+\*\*/);
  });

  it('pages through filtered tickets to the end without gaps or repeats', async () => {
    const filters = { status: ['open', 'in_progress', 'waiting'], limit: 7 };
    const { items, totals, pages } = await allPages<TicketSummary>(client, 'search_tickets', filters, 'tickets');
    const ids = items.map((ticket) => ticket.ticket_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(totals[0]);
    expect(pages).toBe(Math.ceil(ids.length / 7));
    expect(items.every((ticket) => filters.status.includes(ticket.status))).toBe(true);
    const created = items.map((ticket) => ticket.created_at);
    expect(created).toEqual([...created].sort().reverse());

    const text = await allPages<TicketSummary>(client, 'search_tickets', { text: 'laptop', limit: 2 }, 'tickets');
    expect(text.items.length).toBe(text.totals[0]);
    expect(new Set(text.items.map((ticket) => ticket.ticket_id)).size).toBe(text.items.length);
  });

  it('refuses a cursor replayed with different filters', async () => {
    const first = structured<{ next_cursor: string }>(await client.callTool({ name: 'search_tickets', arguments: { team: 'network', limit: 1 } }));
    const replay = await client.callTool({ name: 'search_tickets', arguments: { team: 'database', limit: 1, cursor: first.next_cursor } });
    expect(replay.isError).toBe(true);
    expect(replay.content).toEqual([{ type: 'text', text: expect.stringContaining('Invalid cursor') }]);
  });

  it('answers "which SEV1/SEV2 incidents are open on payments"', async () => {
    const { incidents } = structured<{ incidents: IncidentSummary[] }>(
      await client.callTool({ name: 'list_incidents', arguments: { status: ['open'], severity: ['SEV1', 'SEV2'], service: 'payments' } }),
    );
    expect(incidents.map((incident) => incident.incident_id)).toContain('INC-2031');
    expect(incidents.length).toBeGreaterThanOrEqual(2);
    for (const incident of incidents) {
      expect(incident.status).not.toBe('resolved');
      expect(['SEV1', 'SEV2']).toContain(incident.severity);
      expect(incident.services).toContain('payments');
    }
  });

  it('answers "what happened in the last incident on the login service"', async () => {
    const { incidents } = structured<{ incidents: IncidentSummary[] }>(await client.callTool({ name: 'list_incidents', arguments: { service: 'login', limit: 1 } }));
    const { incident } = structured<{ incident: { status: string; timeline: { at: string; kind: string }[]; timeline_total: number } }>(
      await client.callTool({ name: 'get_incident', arguments: { incident_id: incidents[0]!.incident_id } }),
    );
    expect(incident.status).toBe('resolved');
    expect(incident.timeline.length).toBeGreaterThanOrEqual(8);
    expect(incident.timeline[0]!.kind).toBe('detected');
    expect(incident.timeline.at(-1)!.kind).toBe('resolved');
    const times = incident.timeline.map((entry) => entry.at);
    expect(times).toEqual([...times].sort());
  });

  it('lists every incident newest first across pages', async () => {
    const { items, totals } = await allPages<IncidentSummary>(client, 'list_incidents', { limit: 8 }, 'incidents');
    expect(items.length).toBe(totals[0]);
    expect(items.length).toBeGreaterThanOrEqual(45);
    const started = items.map((incident) => incident.started_at);
    expect(started).toEqual([...started].sort().reverse());
    const since = started[9]!;
    const recent = structured<{ total: number }>(await client.callTool({ name: 'list_incidents', arguments: { since, limit: 50 } }));
    expect(recent.total).toBe(started.filter((time) => time >= since).length);
  });

  it('changes nothing when arguments carry SQL', async () => {
    const state = 'SELECT (SELECT count(*) FROM tickets)::int AS tickets, (SELECT count(*) FROM incidents)::int AS incidents, (SELECT max(updated_at) FROM tickets)::text AS touched, (SELECT count(*) FROM pg_largeobject_metadata)::int AS large_objects';
    const before = await platform.ownerQuery(state);
    const started = Date.now();
    for (const text of ["'; DROP TABLE tickets; --", "vpn') OR 1=1 --", 'laptop; DELETE FROM tickets', '$$ || pg_sleep(5) || $$', "x' || lo_from_bytea(0, '\\x00') || '"]) {
      const result = await client.callTool({ name: 'search_tickets', arguments: { text } });
      // Words in the probe may match tickets; what matters is that it ran as a search and nothing else.
      expect(result.isError).toBeFalsy();
    }
    expect(structured<{ total: number }>(await client.callTool({ name: 'list_incidents', arguments: { service: 'payments--' } })).total).toBe(0);
    expect((await client.callTool({ name: 'list_incidents', arguments: { service: "payments' OR '1'='1" } })).isError).toBe(true);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await platform.ownerQuery(state)).toEqual(before);
  });

  if (backend === 'data-api') {
    it('waits for an auto-paused cluster to resume instead of failing the call', async () => {
      platform.dataApi!.resumeFor(2);
      const result = await client.callTool({ name: 'get_ticket_status', arguments: { ticket_id: 'TCK-1042' } });
      expect(structured<{ found: boolean }>(result).found).toBe(true);
      expect(platform.dataApi!.requests.every((request) => request.secretArn === undefined || request.secretArn.includes('ops-reader'))).toBe(true);
    });
  }
});
