import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SERVER_NAMES } from '@gmcp/infra/servers';
import { localAudience } from '../src';

const ROOT = resolve(__dirname, '../../..');
const guide = readFileSync(resolve(ROOT, 'docs/connect-an-assistant.md'), 'utf8');
const expected = Object.fromEntries(SERVER_NAMES.map((name) => [name, localAudience(name, {})]));

/** `policyReader` and `policy-reader` both name the policy-reader server. */
const serverNamed = (key: string) => SERVER_NAMES.find((name) => name === key || name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()) === key);

/** Every `"name": { …, "url": … }` entry of a parsed configuration file. */
function serverEntries(value: unknown, into: [string, string][] = []): [string, string][] {
  if (value && typeof value === 'object') {
    for (const [key, entry] of Object.entries(value)) {
      if (entry && typeof entry === 'object' && typeof (entry as { url?: unknown }).url === 'string') into.push([key, (entry as { url: string }).url]);
      else serverEntries(entry, into);
    }
  }
  return into;
}

describe('docs/connect-an-assistant.md', () => {
  const blocks = [...guide.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1]!);

  it('has a configuration file for each client that needs one', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });

  it.each(blocks.map((block, index) => [index + 1, block]))('JSON snippet %i parses and names every server at its local URL', (_index, block) => {
    const entries = serverEntries(JSON.parse(block as string));
    expect(Object.fromEntries(entries.map(([key, url]) => [serverNamed(key) ?? key, url]))).toEqual(expected);
  });

  it('adds every server to Claude Code at its local URL', () => {
    const added = [...guide.matchAll(/^claude mcp add --transport http (\S+) (\S+)$/gm)].map((match) => [match[1], match[2]]);
    expect(Object.fromEntries(added)).toEqual(expected);
  });

  it('lists every server in its table with its local URL', () => {
    for (const name of SERVER_NAMES) expect(guide).toContain(`| \`${name}\` | \`${expected[name]}\` |`);
  });

  it('is named by the README quick start', () => {
    const quickStart = readFileSync(resolve(ROOT, 'README.md'), 'utf8').split('## Quick start')[1]!.split('\n## ')[0]!;
    expect(quickStart).toContain('docs/connect-an-assistant.md');
  });
});
