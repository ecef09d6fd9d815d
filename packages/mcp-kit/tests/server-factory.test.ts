import { createMcpHandler } from '@modelcontextprotocol/server';
import { createAuditTrail, createLogger, createMemoryMetrics, createRecordSigner, createToolSet, type AuditStore } from '../src/platform';
import { createServerFactory } from '../src/mcp/server-factory';
import { createCursorSeals } from '../src/tool/cursor-seal';
import { toAuthInfo, type CallerContext } from '../src/mcp/caller';
import { createCallVerdicts } from '../src/pipeline/verdicts';
import { testTools, TEST_HMAC_KEY, type Probe } from './support/harness';

/**
 * The MCP layer on its own, as if the HTTP gate had been bypassed: it must still show
 * only tools within the caller's scopes and run nothing without a governance verdict.
 */
describe('per-request MCP server (defence in depth)', () => {
  const probe: Probe = { calls: 0 };
  const tools = createToolSet(testTools(), { serverAccess: 'read' });
  const appended: unknown[] = [];
  const store: AuditStore = { append: async (record) => void appended.push(record), query: async () => ({ records: [], anomalies: [] }) };
  const logger = createLogger('t', 'SILENT');
  const metrics = createMemoryMetrics();
  const audit = createAuditTrail({ server: 't', serverVersion: '1', store, signer: createRecordSigner(TEST_HMAC_KEY), metrics, logger });
  const handler = createMcpHandler(createServerFactory({ identity: { name: 't', version: '1' }, server: 't', deps: probe, cursors: createCursorSeals(), audit, metrics, logger }));
  afterAll(() => handler.close());

  const actor = { subject: 'alice', clientId: 'c', scopes: new Set(['echo:read']), issuer: 'i', expiresAt: 0 };
  const origin = { requestId: 'r1' };
  const caller: CallerContext = {
    actor,
    origin,
    governance: { allowed: tools as never, verdicts: createCallVerdicts({ actor, origin }, { server: 't', audit, metrics, logger }) },
  };
  const send = async (method: string, params: Record<string, unknown>) => {
    const response = await handler.fetch(
      new Request('http://test.local/mcp', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      }),
      { authInfo: toAuthInfo(caller) },
    );
    const text = await response.text();
    const data = text.split('\n').find((line) => line.startsWith('data: '));
    return JSON.parse(data ? data.slice(6) : text);
  };

  it('lists only the tools within the caller scopes', async () => {
    const body = await send('tools/list', {});
    expect(body.result.tools.map((tool: { name: string }) => tool.name)).not.toContain('admin_report');
    expect(body.result.tools.map((tool: { name: string }) => tool.name)).toContain('echo');
  });

  it('refuses a call that carries no governance verdict, and runs nothing', async () => {
    const body = await send('tools/call', { name: 'echo', arguments: { message: 'sneaky' } });
    expect(body.error).toMatchObject({ code: -32603, message: expect.stringContaining('not governed') });
    expect(probe.calls).toBe(0);
    expect(appended).toEqual([expect.objectContaining({ event: 'tool_denied', reason: 'not_governed', tool: 'echo' })]);
  });

  it('never passes the raw token to the SDK', () => {
    expect(toAuthInfo(caller).token).toBe('[withheld]');
  });
});
