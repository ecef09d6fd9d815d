import { readFile, writeFile } from 'node:fs/promises';
import { ProtocolError, SdkHttpError } from '@modelcontextprotocol/client';
import { createRecordSigner, type AuditRecord } from '@gmcp/mcp-kit/platform';
import { connectClient, type Handshake } from './support/mcp-client';
import { startLocalPlatform, type LocalPlatform } from './support/local-platform';

let platform: LocalPlatform;
let originalPolicy: string;
beforeAll(async () => {
  platform = await startLocalPlatform({ GOVERNANCE_TTL_SECONDS: '1' });
  originalPolicy = await readFile(platform.governanceFile, 'utf8');
});
afterAll(() => platform.stop());
afterEach(async () => {
  await writeFile(platform.governanceFile, originalPolicy);
  await new Promise((resolve) => setTimeout(resolve, 1100));
});

const sinceStart = new Date(Date.now() - 60_000);
async function auditFor(requestFilter: (record: AuditRecord) => boolean): Promise<AuditRecord[]> {
  const { records } = await platform.auditStore.query({ since: sinceStart, limit: 1000 });
  return records.filter(requestFilter).reverse();
}

describe.each<Handshake>(['legacy', 'modern'])('audit trail of real client calls (%s handshake)', (handshake) => {
  it('records the decision and the outcome, signed, with the classification of what was returned', async () => {
    const subject = `auditor-${handshake}`;
    const token = await platform.token({ sub: subject, scopes: ['policies:read', 'policies:read:restricted'] });
    const client = await connectClient(platform.policyReader.url, token, handshake);
    const result = await client.callTool({ name: 'search_policies', arguments: { query: 'break-glass production database', limit: 2 } });
    expect(result.isError).toBeFalsy();
    await client.close();

    const records = await auditFor((record) => record.actor?.subject === subject);
    expect(records.map((record) => record.event)).toEqual(['tool_allowed', 'tool_completed']);
    expect(records[1]).toMatchObject({
      server: 'policy-reader',
      tool: 'search_policies',
      decision: 'allowed',
      outcome: 'ok',
      risk: 'low',
      output_classification: 'restricted',
      arguments: '{"limit":2,"query":"break-glass production database"}',
      actor: { subject, client_id: 'dev-cli' },
    });
    const signer = createRecordSigner(platform.auditKey);
    expect(records.every((record) => signer.verify(record))).toBe(true);
  });
});

describe('allowlist from configuration', () => {
  it('drops a tool removed from the policy file within the TTL, refusing and auditing its calls, without a restart', async () => {
    const token = await platform.token({ sub: 'allowlist-tester' });
    const client = await connectClient(platform.policyReader.url, token, 'legacy');
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('search_policies');

    await writeFile(platform.governanceFile, JSON.stringify({ tools: [] }));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await client.listTools()).tools).toEqual([]);
    const before = platform.libraryCalls();
    const call = client.callTool({ name: 'search_policies', arguments: { query: 'travel' } });
    await expect(call).rejects.toBeInstanceOf(ProtocolError);
    await expect(call).rejects.toMatchObject({ code: -32602 });
    expect(platform.libraryCalls()).toBe(before);
    const [denied] = await auditFor((record) => record.actor?.subject === 'allowlist-tester' && record.event === 'tool_denied');
    expect(denied).toMatchObject({ reason: 'not_allowlisted', tool: 'search_policies' });
    await client.close();
  });

  it('applies rate limits from the policy file: 429 with Retry-After, audited', async () => {
    const policy = JSON.parse(originalPolicy);
    // An hour-long fixed window, so that the three calls cannot straddle a window boundary.
    await writeFile(platform.governanceFile, JSON.stringify({ ...policy, limits: { ...policy.limits, per_actor_per_tool: { requests: 2, window_seconds: 3600 } } }));
    // Wait for the server to pick the new policy up (a busy machine may take longer than its TTL).
    for (let attempt = 0; (await platform.policyReader.governance.policy.current()).limits.per_actor_per_tool?.requests !== 2; attempt += 1) {
      if (attempt > 100) throw new Error('the new policy was never picked up');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const token = await platform.token({ sub: 'hasty' });
    const client = await connectClient(platform.policyReader.url, token, 'modern');
    await client.callTool({ name: 'search_policies', arguments: { query: 'travel' } });
    await client.callTool({ name: 'search_policies', arguments: { query: 'travel' } });
    const third = client.callTool({ name: 'search_policies', arguments: { query: 'travel' } });
    await expect(third).rejects.toBeInstanceOf(SdkHttpError);
    await expect(third).rejects.toMatchObject({ data: { status: 429 } });
    await client.close();
    expect(await auditFor((record) => record.actor?.subject === 'hasty' && record.reason === 'rate_limited')).toHaveLength(1);
  });
});

describe('audit under concurrency', () => {
  it('leaves exactly one decision and one outcome record per call: none lost, none duplicated', async () => {
    const token = await platform.token({ sub: 'concurrent' });
    const calls = 100; // under the shipped per-actor limit (120 a minute)
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < calls) {
          const id = next++;
          const response = await fetch(platform.policyReader.url, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
            body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'search_policies', arguments: { query: `travel ${id}` } } }),
          });
          const text = await response.text();
          expect(`${response.status} ${response.status === 200 ? '' : text}`).toBe('200 ');
        }
      }),
    );
    const records: AuditRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await platform.auditStore.query({ actor: 'concurrent', since: sinceStart, limit: 150, cursor });
      records.push(...page.records);
      cursor = page.cursor;
    } while (cursor);
    const byEvent = (event: string) => records.filter((record) => record.event === event);
    expect(byEvent('tool_allowed')).toHaveLength(calls);
    expect(byEvent('tool_completed')).toHaveLength(calls);
    expect(new Set(records.map((record) => record.event_id)).size).toBe(records.length);
    expect(new Set(byEvent('tool_allowed').map((record) => (JSON.parse(record.arguments!) as { query: string }).query)).size).toBe(calls);
  });
});

describe('fail closed when the audit store is down', () => {
  const call = async (token: string) =>
    fetch(platform.policyReader.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'search_policies', arguments: { query: 'travel' } } }),
    });
  const auditFailures = async () => {
    const operator = await platform.token({ sub: 'operator', scopes: ['metrics:read'] });
    const metrics = (await (await fetch(new URL('/metrics', platform.policyReader.url), { headers: { authorization: `Bearer ${operator}` } })).json()) as { counters: Record<string, number> };
    return metrics.counters['AuditWriteFailures'] ?? 0;
  };

  it('runs no handler and answers 503 with Retry-After while the store is stopped; calls proceed when it returns', async () => {
    const token = await platform.token({ sub: 'outage' });
    expect((await call(token)).status).toBe(200);
    const failuresBefore = await auditFailures();

    await platform.stopDynamoDb();
    const before = platform.libraryCalls();
    const refused = await call(token);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect(platform.libraryCalls()).toBe(before);
    expect(await auditFailures()).toBeGreaterThan(failuresBefore);

    await platform.startDynamoDb();
    expect((await call(token)).status).toBe(200);
    expect(platform.libraryCalls()).toBe(before + 1);
  });
});
