import { InsufficientScopeError } from '@modelcontextprotocol/client';
import { connectClient, type Handshake } from './support/mcp-client';
import { startLocalPlatform, type LocalPlatform } from './support/local-platform';

let platform: LocalPlatform;
beforeAll(async () => {
  platform = await startLocalPlatform();
});
afterAll(() => platform.stop());

describe.each<Handshake>(['legacy', 'modern'])('policy reader over the %s handshake', (handshake) => {
  it('negotiates the expected protocol revision', async () => {
    const client = await connectClient(platform.policyReader.url, await platform.token(), handshake);
    expect(client.getProtocolEra()).toBe(handshake);
    expect(client.getNegotiatedProtocolVersion()).toBe(handshake === 'modern' ? '2026-07-28' : '2025-11-25');
    await client.close();
  });

  it('lists the governed tools with derived annotations', async () => {
    const client = await connectClient(platform.policyReader.url, await platform.token(), handshake);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['get_policy', 'list_policies', 'search_policies']);
    for (const tool of tools) expect(tool.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false, idempotentHint: true });
    expect(tools.find((tool) => tool.name === 'search_policies')!.outputSchema).toMatchObject({ type: 'object', required: ['hits', 'total', 'next_cursor', 'result_classification'] });
    await client.close();
  });

  it('answers a policy question with the relevant document first', async () => {
    const client = await connectClient(platform.policyReader.url, await platform.token(), handshake);
    const result = await client.callTool({ name: 'search_policies', arguments: { query: 'hotel nightly limit business trip', limit: 3 } });
    const { hits } = result.structuredContent as { hits: { document_id: string; snippet: string }[] };
    expect(result.isError).toBeFalsy();
    expect(hits[0]!.document_id).toBe('business-travel');
    expect(hits[0]!.snippet).toMatch(/\*\*/);
    expect(result.content).toEqual([{ type: 'text', text: expect.stringContaining('Business Travel Policy') }]);
    await client.close();
  });

  it('returns a clear validation error and does not run the handler on bad arguments', async () => {
    const client = await connectClient(platform.policyReader.url, await platform.token(), handshake);
    const before = platform.libraryCalls();
    const result = await client.callTool({ name: 'search_policies', arguments: { query: 'x', limit: 500 } });
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([{ type: 'text', text: expect.stringMatching(/^Invalid arguments for tool search_policies: query: .*; limit: /) }]);
    expect(platform.libraryCalls()).toBe(before);
    await client.close();
  });

  it('hides tools from a caller without their scope and refuses the call with insufficient_scope', async () => {
    const client = await connectClient(platform.policyReader.url, await platform.token({ scopes: ['tickets:read'] }), handshake);
    expect((await client.listTools()).tools).toEqual([]);
    const before = platform.libraryCalls();
    const call = client.callTool({ name: 'search_policies', arguments: { query: 'travel' } });
    await expect(call).rejects.toBeInstanceOf(InsufficientScopeError);
    await expect(call).rejects.toMatchObject({ requiredScope: 'policies:read' });
    expect(platform.libraryCalls()).toBe(before);
    await client.close();
  });
});

describe('classification clearance', () => {
  const search = async (scopes: string[]) => {
    const client = await connectClient(platform.policyReader.url, await platform.token({ scopes }), 'legacy');
    const result = await client.callTool({ name: 'search_policies', arguments: { query: 'break-glass production database access', limit: 10 } });
    await client.close();
    return result.structuredContent as { hits: { document_id: string; classification: string }[]; result_classification: string };
  };

  it('returns restricted documents only to callers cleared for them', async () => {
    const base = await search(['policies:read']);
    expect(base.hits.map((hit) => hit.document_id)).not.toContain('production-database-access');
    expect(base.hits.every((hit) => ['public', 'internal'].includes(hit.classification))).toBe(true);

    const cleared = await search(['policies:read', 'policies:read:restricted']);
    expect(cleared.hits[0]!.document_id).toBe('production-database-access');
    expect(cleared.result_classification).toBe('restricted');
  });
});
