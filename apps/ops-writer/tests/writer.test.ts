import { ConfigError, NotFoundError, ToolError } from '@gmcp/mcp-kit';
import { invokeTool } from '@gmcp/mcp-kit/testing';
import { ChangeRefusedError, DatabaseUnavailableError, RecordNotFoundError } from '@gmcp/ops-data';
import type { OpsWriterDeps } from '../src/deps';
import { opsWriterServer } from '../src/server';
import { opsWriterTools } from '../src/tools';
import { createTicket, updateTicket } from '../src/tools/ticket-tools';

const base = { AUTH_ISSUER: 'http://127.0.0.1:4100', AUDIT_HMAC_KEY: Buffer.alloc(32, 1).toString('base64') };

describe('the writer', () => {
  it('gates exactly the changes a careful operator would: severity, resolution and won\'t-fix closes', () => {
    const byRisk = (risk: string) => opsWriterTools.filter((tool) => tool.risk === risk).map((tool) => tool.name).sort();
    expect(byRisk('high')).toEqual(['resolve_incident']);
    expect(byRisk('medium')).toEqual(['close_ticket_as_wont_fix', 'update_ticket']);
    expect(byRisk('low')).toEqual(['add_incident_update', 'add_ticket_comment', 'change_incident_severity', 'create_ticket']);
    // Their risk depends on the arguments: their call policies raise it (config/governance/ops-writer.cedar), and without one they do not run.
    const underPolicy = opsWriterTools.filter((tool) => tool.callPolicy === 'required').map((tool) => tool.name).sort();
    expect(underPolicy).toEqual(['change_incident_severity', 'close_ticket_as_wont_fix']);
    for (const tool of opsWriterTools) expect(tool.access).toBe('write');
  });

  it('validates inputs before anything runs', () => {
    expect(createTicket.input.safeParse({ title: 'x', description: 'too short', team: 'network' }).success).toBe(false);
    expect(createTicket.input.safeParse({ title: 'Printer jam', description: 'Jams on every duplex job.', team: 'Facilities', idempotency_key: 'has spaces in it' }).success).toBe(false);
    expect(createTicket.input.parse({ title: 'Printer jam', description: 'Jams on every duplex job.', team: 'Facilities' })).toMatchObject({ team: 'facilities', priority: 'P3' });
    expect(updateTicket.input.safeParse({ ticket_id: 'TCK-1042' }).error?.issues[0]?.message).toBe('change at least one of status, assignee, priority');
    expect(updateTicket.input.parse({ ticket_id: 'tck-1042', assignee: null })).toEqual({ ticket_id: 'TCK-1042', assignee: null });
  });

  it('defaults to the embedded database and names missing Data API settings', () => {
    expect(opsWriterServer.parseEnv({ ...base, PORT: '4103' })).toMatchObject({ PORT: 4103, OPS_DATABASE: 'embedded' });
    expect(() => opsWriterServer.parseEnv({ ...base, PORT: '4103', OPS_DATABASE: 'data-api' })).toThrow(ConfigError);
  });

  it('shows the data layer\'s refusals to the caller as tool errors, and nothing else', async () => {
    const failing = (error: Error) => ({ tickets: { update: async () => Promise.reject(error) } }) as unknown as OpsWriterDeps;
    const call = (error: Error) => invokeTool(updateTicket, { ticket_id: 'TCK-1042', priority: 'P1' }, { deps: failing(error), mapError: opsWriterServer.mapError });
    await expect(call(new RecordNotFoundError('Ticket TCK-1042 does not exist'))).rejects.toThrow('Ticket TCK-1042 does not exist');
    await expect(call(new RecordNotFoundError('gone'))).rejects.toBeInstanceOf(NotFoundError);
    await expect(call(new ChangeRefusedError('Nothing to update'))).rejects.toThrow('Nothing to update');
    await expect(call(new ChangeRefusedError('Nothing to update'))).rejects.toBeInstanceOf(ToolError);
    await expect(call(new DatabaseUnavailableError('The database is temporarily unavailable; retry shortly.'))).rejects.toBeInstanceOf(ToolError);
    const bug = new TypeError('undefined is not a function');
    await expect(call(bug)).rejects.toBe(bug);
  });
});

