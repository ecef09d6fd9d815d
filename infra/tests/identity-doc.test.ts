import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { APPROVER_SCOPE } from '@gmcp/mcp-kit/platform';
import { SERVER_MODULES } from '../src/server-modules';
import { SERVER_NAMES, serverUses } from '../src/servers';

const doc = readFileSync(resolve(__dirname, '../../docs/identity.md'), 'utf8');

/** The table rows of docs/identity.md's "Scopes and audiences per server", by server. */
function documentedScopes(): Record<string, { advertised: string[]; also: string[] }> {
  const section = doc.split('### Scopes and audiences per server')[1]!.split('\n### ')[0]!;
  const rows = section.split('\n').filter((line) => /^\| `[a-z-]+` \|/.test(line));
  const scopes = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!).sort();
  return Object.fromEntries(
    rows.map((row) => {
      const [, server, advertised, also] = row.split('|').map((cell) => cell.trim());
      return [server!.replace(/`/g, ''), { advertised: scopes(advertised!), also: scopes(also ?? '') }];
    }),
  );
}

describe('docs/identity.md', () => {
  it('lists, for each server, exactly the scopes it advertises and the approval API’s', () => {
    const expected = Object.fromEntries(
      SERVER_NAMES.map((server) => [server, { advertised: [...SERVER_MODULES[server].scopes].sort(), also: serverUses(server, 'approvals') ? [APPROVER_SCOPE] : [] }]),
    );
    expect(documentedScopes()).toEqual(expected);
  });
});
