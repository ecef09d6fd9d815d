import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { SERVER_NAMES, isServerName, type ServerName } from '@gmcp/infra/servers';
import { callPolicyPaths, compileServerPolicies, explain, runPolicyTests, schemaText } from './call-policy-files';

const USAGE = `Usage:
  npm run policy -- validate [--server <name>]...   parse and validate each server's call policies against its tools
  npm run policy -- schema [--check] [--server <name>]...
                                                   write config/governance/definitions/<server>.cedarschema (--check: exit 1 when stale)
  npm run policy -- test [--server <name>]...       run the cases in config/governance/<server>.cedar-tests.json
  npm run policy -- explain --server <name> --tool <tool> --as <subject> [--groups "<groups>"] --args '<json>' [--resource '<json>']
                                                   the decision on one call and the policies that made it

Call policies (config/governance/<server>.cedar, Cedar) decide per call, on the caller and the
arguments: see docs/call-policies.md.`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      server: { type: 'string', multiple: true },
      check: { type: 'boolean' },
      tool: { type: 'string' },
      as: { type: 'string' },
      groups: { type: 'string' },
      args: { type: 'string' },
      resource: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command] = positionals;
  const servers = serversNamed(values.server ?? []);
  switch (command) {
    case 'validate':
      for (const server of servers) {
        const policies = await compileServerPolicies(server);
        console.log(`${server}: ${policies ? `${policies.ids.length} call policies valid` : 'no call policies'}`);
      }
      return 0;
    case 'schema':
      return schema(servers, values.check ?? false);
    case 'test':
      return test(servers);
    case 'explain': {
      if (!values.tool || !values.as || servers.length !== 1) throw new UsageError('explain needs one --server, --tool and --as');
      const [server] = servers as [ServerName];
      const explanation = await explain(server, await compileServerPolicies(server), {
        tool: values.tool,
        as: { subject: values.as, scopes: [], client_id: 'assistant', ...(values.groups === undefined ? {} : { groups: values.groups.split(/\s+/).filter(Boolean) }) },
        arguments: jsonOption('--args', values.args ?? '{}') as Record<string, unknown>,
        ...(values.resource ? { resource: jsonOption('--resource', values.resource) as { id: string; attributes: Record<string, unknown> } } : {}),
      });
      console.log(JSON.stringify(explanation, null, 2));
      return 0;
    }
    default:
      console.log(USAGE);
      return values.help ? 0 : 2;
  }
}

async function schema(servers: ServerName[], check: boolean): Promise<number> {
  let stale = 0;
  for (const server of servers) {
    const path = callPolicyPaths(server).schema;
    const text = await schemaText(server);
    const current = readIfExists(path);
    if (current === text) {
      console.log(`${server}: schema current`);
    } else if (check) {
      stale += 1;
      console.error(`${server}: ${path} does not match the tools: run npm run policy -- schema, and review the change`);
    } else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      console.log(`${server}: wrote ${path}`);
    }
  }
  return stale ? 1 : 0;
}

async function test(servers: ServerName[]): Promise<number> {
  let failed = 0;
  for (const server of servers) {
    if (readIfExists(callPolicyPaths(server).tests) === undefined) {
      console.log(`${server}: no policy tests`);
      continue;
    }
    for (const result of await runPolicyTests(server)) {
      if (!result.passed) failed += 1;
      const got = `${result.actual.decision}${result.actual.policies.length ? ` by ${result.actual.policies.join(', ')}` : ''}`;
      console.log(`${result.passed ? 'ok  ' : 'FAIL'} ${server}: ${result.name}${result.passed ? '' : ` — expected ${JSON.stringify(result.expected)}, got ${got}${result.actual.message ? ` (${result.actual.message})` : ''}`}`);
    }
  }
  return failed ? 1 : 0;
}

class UsageError extends Error {}

function serversNamed(names: readonly string[]): ServerName[] {
  for (const name of names) if (!isServerName(name)) throw new UsageError(`unknown server ${name} (${SERVER_NAMES.join(', ')})`);
  return names.length ? (names as ServerName[]) : [...SERVER_NAMES];
}

function jsonOption(flag: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag} is not JSON: ${(error as Error).message}`);
  }
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error instanceof UsageError ? `${error.message}\n\n${USAGE}` : error instanceof Error ? error.message : error);
    process.exitCode = 2;
  },
);
