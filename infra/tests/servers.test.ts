import { SERVER_MODULES } from '../src/server-modules';
import { parseServerRegistry, SERVER_NAMES, SERVERS } from '../src/servers';

const entry = (access: 'read' | 'write', localPort: number, uses: string[] = []) => ({ access, localPort, uses });

describe('the registry of servers (config/servers.json)', () => {
  it('lists each server with its module, whose name and access agree', () => {
    expect(SERVER_NAMES).toEqual(expect.arrayContaining(['policy-reader', 'ops-reader', 'ops-writer']));
    for (const name of SERVER_NAMES) expect(SERVER_MODULES[name]).toMatchObject({ name, access: SERVERS[name].access });
  });

  it('refuses shared or reserved local ports, naming them', () => {
    expect(() => parseServerRegistry({ servers: { a: entry('read', 4101), b: entry('read', 4101) } })).toThrow('local port 4101 is given to more than one server');
    expect(() => parseServerRegistry({ servers: { a: entry('read', 4110) } })).toThrow('local port 4110 is reserved');
  });

  it('refuses what one stage cannot deploy: two approval workflows, approvals on a read server, two logins of one kind', () => {
    expect(() => parseServerRegistry({ servers: { a: entry('write', 4101, ['approvals']), b: entry('write', 4102, ['approvals']) } })).toThrow('only one server can use "approvals"');
    expect(() => parseServerRegistry({ servers: { a: entry('read', 4101, ['approvals']) } })).toThrow('"approvals" is for a write server');
    expect(() => parseServerRegistry({ servers: { a: entry('read', 4101, ['ops-database']), b: entry('read', 4102, ['ops-database']) } })).toThrow('only one read server can use "ops-database"');
  });

  it('refuses malformed names and unknown resources', () => {
    expect(() => parseServerRegistry({ servers: { Ops_Reader: entry('read', 4101) } })).toThrow('server names are lowercase words joined by dashes');
    expect(() => parseServerRegistry({ servers: { a: entry('read', 4101, ['kafka']) } })).toThrow(/uses/);
    expect(() => parseServerRegistry({ servers: { 'ops-migrate': entry('read', 4101) } })).toThrow('"ops-migrate" is reserved');
    expect(() => parseServerRegistry({ servers: { ['a'.repeat(31)]: entry('read', 4101) } })).toThrow('at most 30 characters');
  });
});
