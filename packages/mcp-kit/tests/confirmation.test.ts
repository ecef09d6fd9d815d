import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { approvalTableDefinition, createDecisionSigner, createDynamoDbApprovalStore, createDynamoDbClient, defineTool, ensureTables, ToolDefinitionError, type ToolContext } from '../src/platform';
import { pinnable, startTestGovernance, startTestIssuer, testConfig, testService, type Probe, type TestGovernance, type TestIssuer } from './support/harness';

const renamed: string[] = [];
const renameVolume = defineTool({
  name: 'rename_volume',
  title: 'Rename a volume',
  description: 'Renames a storage volume.',
  owner: 'storage',
  scope: 'storage:write',
  risk: 'medium',
  access: 'write',
  classification: 'internal',
  input: z.object({ volume: z.string(), name: z.string() }),
  output: z.object({ renamed: z.string() }),
  handler: async ({ volume, name }, _ctx: ToolContext<Probe>) => {
    renamed.push(`${volume}->${name}`);
    return { renamed: name };
  },
});

describe('in-band confirmation of medium-risk writes', () => {
  let issuer: TestIssuer;
  let governance: TestGovernance;
  const servers: Server[] = [];

  beforeAll(async () => {
    issuer = await startTestIssuer();
    governance = await startTestGovernance();
    pinnable([renameVolume]);
    governance.setPolicy({ tools: [{ name: 'rename_volume' }] });
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await governance.stop();
    await issuer.stop();
  });

  const serve = async (whenUnsupported: 'refuse' | 'allow', withApprovalStore = false) => {
    const store = withApprovalStore ? await approvalStore() : undefined;
    const approvals = store && { store, signer: createDecisionSigner(Buffer.alloc(32, 9)), ttlSeconds: 600, workflow: () => ({}) as never, notifier: { notify: async () => undefined } };
    const adapters = { ...governance.adapters, ...(approvals ? { approvals } : {}), confirmation: { secret: Buffer.alloc(32, 5), ttlSeconds: 60, whenUnsupported } };
    const app = testService(testConfig(issuer.issuer.issuer), {} as Probe, adapters, { access: 'write', tools: [renameVolume] }).app;
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  };
  const approvalStore = async () => {
    const dynamodb = createDynamoDbClient({ region: 'local', endpoint: governance.dynamodb.endpoint });
    await ensureTables(dynamodb, [approvalTableDefinition('approvals_once')]);
    return createDynamoDbApprovalStore(dynamodb, 'approvals_once');
  };
  const connect = async (url: string, options: ConstructorParameters<typeof Client>[1], answer?: (message: string) => { action: 'accept' | 'decline'; content?: Record<string, string | number | boolean | string[]> }) => {
    const client = new Client({ name: 'test', version: '1' }, options);
    if (answer) client.setRequestHandler('elicitation/create', async (request) => answer((request.params as { message: string }).message));
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${await issuer.token({ scopes: ['storage:write'] })}` } } }));
    return client;
  };
  const modern = { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: { pin: '2026-07-28' as const } } };

  it('asks the user on a 2026-07-28 request and runs once they confirm', async () => {
    const prompts: string[] = [];
    const client = await connect(await serve('refuse'), modern, (message) => {
      prompts.push(message);
      return { action: 'accept', content: { confirm: true } };
    });
    const result = await client.callTool({ name: 'rename_volume', arguments: { volume: 'vol-1', name: 'archive' } });
    expect(result.structuredContent).toEqual({ renamed: 'archive' });
    expect(prompts).toEqual(['Confirm: Rename a volume with {"name":"archive","volume":"vol-1"}']);
    expect(renamed).toEqual(['vol-1->archive']);
    await client.close();
  });

  it('changes nothing when the user declines', async () => {
    const client = await connect(await serve('refuse'), modern, () => ({ action: 'decline' }));
    const result = await client.callTool({ name: 'rename_volume', arguments: { volume: 'vol-2', name: 'x' } });
    expect(result).toMatchObject({ isError: true, content: [{ text: 'The user did not confirm rename_volume; nothing was changed.' }] });
    expect(renamed).not.toContain('vol-2->x');
    await client.close();
  });

  it('does not let a retry confirm other arguments, or a forged answer skip the question', async () => {
    const client = await connect(await serve('refuse'), { ...modern, inputRequired: { autoFulfill: false } }, () => ({ action: 'accept', content: { confirm: true } }));
    const first = (await client.callTool({ name: 'rename_volume', arguments: { volume: 'vol-3', name: 'a' } }, { allowInputRequired: true })) as unknown as { resultType: string; requestState: string };
    expect(first.resultType).toBe('input_required');
    const yes = { confirm: { action: 'accept', content: { confirm: true } } };
    const swapped = await client.callTool({ name: 'rename_volume', arguments: { volume: 'vol-9', name: 'a' }, inputResponses: yes, requestState: first.requestState } as never, { allowInputRequired: true });
    expect((swapped as unknown as { resultType: string }).resultType).toBe('input_required');
    const forged = await client.callTool({ name: 'rename_volume', arguments: { volume: 'vol-3', name: 'a' }, inputResponses: yes } as never, { allowInputRequired: true });
    expect((forged as unknown as { resultType: string }).resultType).toBe('input_required');
    expect(renamed.filter((entry) => entry.startsWith('vol-3') || entry.startsWith('vol-9'))).toEqual([]);
    const confirmed = await client.callTool({ name: 'rename_volume', arguments: { volume: 'vol-3', name: 'a' }, inputResponses: yes, requestState: first.requestState } as never, { allowInputRequired: true });
    expect(confirmed.structuredContent).toEqual({ renamed: 'a' });
    await client.close();
  });

  it('takes a confirming answer once: the same state and answer replayed get the question again', async () => {
    const client = await connect(await serve('refuse', true), { ...modern, inputRequired: { autoFulfill: false } }, () => ({ action: 'accept', content: { confirm: true } }));
    const first = (await client.callTool({ name: 'rename_volume', arguments: { volume: 'vol-6', name: 'b' } }, { allowInputRequired: true })) as unknown as { requestState: string };
    const answer = { name: 'rename_volume', arguments: { volume: 'vol-6', name: 'b' }, inputResponses: { confirm: { action: 'accept', content: { confirm: true } } }, requestState: first.requestState };
    expect((await client.callTool(answer as never, { allowInputRequired: true })).structuredContent).toEqual({ renamed: 'b' });
    const replayed = await client.callTool(answer as never, { allowInputRequired: true });
    expect((replayed as unknown as { resultType: string }).resultType).toBe('input_required');
    expect(renamed.filter((entry) => entry === 'vol-6->b')).toHaveLength(1);
    await client.close();
  });

  it('refuses a 2025-era call, which cannot carry the question, unless configured to allow it', async () => {
    const refusing = await connect(await serve('refuse'), { capabilities: { elicitation: { form: {} } } });
    const refused = await refusing.callTool({ name: 'rename_volume', arguments: { volume: 'vol-4', name: 'x' } });
    expect(refused).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('needs the user\'s confirmation, which this client cannot give') }] });
    expect(renamed).not.toContain('vol-4->x');
    await refusing.close();
    const allowing = await connect(await serve('allow'), {});
    expect((await allowing.callTool({ name: 'rename_volume', arguments: { volume: 'vol-5', name: 'y' } })).structuredContent).toEqual({ renamed: 'y' });
    await allowing.close();
  });

  it('refuses to start a server with a medium-risk write and no confirmation key', () => {
    expect(() => testService(testConfig(issuer.issuer.issuer), {} as Probe, governance.adapters, { access: 'write', tools: [renameVolume] })).toThrow(ToolDefinitionError);
  });
});
