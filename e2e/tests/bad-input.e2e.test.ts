import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/client';
import { connectClient } from './support/mcp-client';
import { startOpsPlatform, type OpsPlatform } from './support/ops-platform';
import { startWriterPlatform, type WriterPlatform } from './support/writer-platform';

jest.setTimeout(60_000);

/** A tools/call body whose arguments nest `depth` arrays: built as text, since JSON.stringify cannot. */
const deeplyNestedCall = (tool: string, depth: number) =>
  `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${tool}","arguments":{"text":${'['.repeat(depth)}"x"${']'.repeat(depth)}}}}`;

async function post(url: string, token: string, body: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body,
  });
}

const errorText = (result: Awaited<ReturnType<Client['callTool']>>) => (result.content as { text: string }[])[0]!.text;

describe('bad input on the tickets reader over the Data API: refused as such, never a failure of the database', () => {
  let platform: OpsPlatform;
  let alice: Client;
  let bob: Client;
  beforeAll(async () => {
    platform = await startOpsPlatform('data-api');
    alice = await connectClient(platform.reader.url, await platform.token(), 'legacy');
    bob = await connectClient(platform.reader.url, await platform.token({ sub: 'bob' }), 'modern');
  });
  afterAll(async () => {
    await alice?.close();
    await bob?.close();
    await platform?.stop();
  });

  const statements = () => platform.dataApi!.requests.length;

  it.each([
    ['search_tickets', { text: 'vpn\u0000 drop' }, 'text: must not contain NUL characters'],
    ['search_tickets', { created_after: '0000-01-01' }, 'created_after: must be between 1900-01-01 and 9999-12-31'],
    ['search_tickets', { created_before: '10000-01-01' }, 'created_before'],
    ['list_incidents', { since: '0000-01-01T00:00:00Z' }, 'since: must be between 1900-01-01 and 9999-12-31'],
  ])('%s %j gets a clear tool error and sends no statement', async (name, args, message) => {
    const before = statements();
    const result = await alice.callTool({ name, arguments: args });
    expect(result.isError).toBe(true);
    expect(errorText(result)).toContain(message);
    expect(statements()).toBe(before);
  });

  it('answers arguments nested 5,000 levels deep with 400 and a JSON-RPC error', async () => {
    const response = await post(platform.reader.url, await platform.token(), deeplyNestedCall('search_tickets', 5_000));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Request body nests deeper than 64 levels' } });
  });

  describe('paging cursors are sealed to the caller and the request', () => {
    const firstPage = async () =>
      (await alice.callTool({ name: 'search_tickets', arguments: { team: 'network', limit: 1 } })).structuredContent as { next_cursor: string; tickets: { ticket_id: string }[] };

    it('the caller who got a cursor continues with it', async () => {
      const first = await firstPage();
      const second = await alice.callTool({ name: 'search_tickets', arguments: { team: 'network', limit: 1, cursor: first.next_cursor } });
      expect(second.isError).toBeFalsy();
      expect((second.structuredContent as { tickets: { ticket_id: string }[] }).tickets[0]!.ticket_id).not.toBe(first.tickets[0]!.ticket_id);
    });

    it('another caller cannot use it', async () => {
      const { next_cursor } = await firstPage();
      const replay = await bob.callTool({ name: 'search_tickets', arguments: { team: 'network', limit: 1, cursor: next_cursor } });
      expect(replay.isError).toBe(true);
      expect(errorText(replay)).toContain('Invalid cursor');
    });

    // (A well-sealed cursor holding a timestamp that is no date is refused by KeysetPosition: ops-data's codec tests.)
    it('a forged cursor, even one that reuses a real seal, never reaches the database', async () => {
      const { next_cursor } = await firstPage();
      const [, mac] = next_cursor.split('.');
      const forgedPosition = Buffer.from(JSON.stringify({ p: { at: '2026-02-30T99:00:00.000000', id: 'TCK-1' }, h: 'x' })).toString('base64url');
      const before = statements();
      for (const cursor of [`${forgedPosition}.${mac}`, forgedPosition, 'eyJwIjoxfQ']) {
        const result = await alice.callTool({ name: 'search_tickets', arguments: { team: 'network', limit: 1, cursor } });
        expect(result.isError).toBe(true);
        expect(errorText(result)).toContain('Invalid cursor');
      }
      expect(statements()).toBe(before);
    });
  });
});

describe('bad input on the writer: refused, nothing written', () => {
  let platform: WriterPlatform;
  let alice: Client;
  beforeAll(async () => {
    platform = await startWriterPlatform();
    alice = await connectClient(platform.writer.url, await platform.token('alice', ['tickets:write', 'incidents:write']), 'modern');
  });
  afterAll(async () => {
    await alice?.close();
    await platform?.stop();
  });

  const count = async (sql: string) => Number((await platform.ownerQuery(sql))[0]!.n);

  it.each([
    ['create_ticket', { title: 'Printer\u0000 on fire', description: 'The printer on floor three is on fire again.', team: 'facilities', priority: 'P3', idempotency_key: `nul-${randomUUID()}` }, 'title'],
    ['add_ticket_comment', { ticket_id: 'TCK-1042', body: 'still\u0000 broken', idempotency_key: `nul-${randomUUID()}` }, 'body'],
  ])('%s with a NUL character gets a clear error and writes nothing', async (name, args, field) => {
    const tickets = await count('SELECT count(*)::int AS n FROM tickets');
    const comments = await count('SELECT count(*)::int AS n FROM ticket_comments');
    const result = await alice.callTool({ name, arguments: args });
    expect(result.isError).toBe(true);
    expect(errorText(result)).toContain(`${field}: must not contain NUL characters`);
    expect(await count('SELECT count(*)::int AS n FROM tickets')).toBe(tickets);
    expect(await count('SELECT count(*)::int AS n FROM ticket_comments')).toBe(comments);
  });

  it.each([
    ['the MCP endpoint', () => platform.writer.url, () => deeplyNestedCall('create_ticket', 5_000)],
    ['the approval API', () => new URL(`/approvals/${randomUUID()}/decision`, platform.writer.url).href, () => `{"decision":"approve","reason":${'['.repeat(5_000)}${']'.repeat(5_000)}}`],
  ])('%s answers JSON nested 5,000 levels deep with 400, never 500', async (_route, url, body) => {
    const response = await post(url(), await platform.token('carol', ['tickets:write', 'approvals:decide']), body());
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('nests deeper than 64 levels');
  });

  it.each(['/nope', '/approvals/x/y/z', '/mcp/extra'])('answers the unknown path %s with JSON 404', async (path) => {
    const response = await fetch(new URL(path, platform.writer.url), { headers: { authorization: `Bearer ${await platform.token('carol', ['tickets:write'])}` } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({ error: 'not_found' });
  });
});
