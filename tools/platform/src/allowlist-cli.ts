import { parseArgs } from 'node:util';
import { check, formatProblems, GOVERNANCE_DIR, pin, serversNamed } from './allowlist-pins';

const USAGE = `Usage:
  npm run allowlist -- pin   [--server <name>]... [--tool <name>]...   write the current definition hashes into config/governance/<server>.json
  npm run allowlist -- check [--server <name>]...                        exit 1, with a diff, when code and pins disagree

Every allowlist entry pins the tool definition it approved (name, title, description, input and
output JSON Schema, annotations, owner, scope, risk, access, classification); a tool whose
definition changed is not served until its entry is pinned again, in a reviewed change.`;

function main(): number {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { server: { type: 'string', multiple: true }, tool: { type: 'string', multiple: true }, dir: { type: 'string' }, help: { type: 'boolean' } },
  });
  const [command] = positionals;
  if (values.help || (command !== 'pin' && command !== 'check')) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const dir = values.dir ?? GOVERNANCE_DIR;
  const servers = serversNamed(values.server ?? []);
  if (command === 'pin') {
    for (const server of servers) {
      const changed = pin(server, { dir, only: values.tool });
      console.log(`${server}: ${changed.length ? `pinned ${changed.join(', ')}` : 'pins already current'}`);
    }
    return 0;
  }
  const problems = servers.flatMap((server) => check(server, { dir }));
  if (problems.length === 0) {
    console.log(`Allowlist pins match the code (${servers.join(', ')}).`);
    return 0;
  }
  console.error(formatProblems(problems));
  console.error('\nA changed definition is not served until its allowlist entry is pinned again: review the change, then npm run allowlist -- pin.');
  return 1;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
}
