import type { Names } from '../shared/names';
import { quoted } from '../shared/names';

export interface ServerTemplateInput {
  readonly server: Names;
  readonly access: 'read' | 'write';
  readonly description: string;
  readonly port: number;
}

/** The files of a new server app, by path from the workspace root. */
export function serverFiles(input: ServerTemplateInput): Record<string, string> {
  const { server } = input;
  const root = `apps/${server.kebab}`;
  return {
    [`${root}/package.json`]: packageJson(input),
    [`${root}/tsconfig.json`]: `${JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src/**/*.ts', 'tests/**/*.ts'] }, null, 2)}\n`,
    [`${root}/jest.config.js`]: "module.exports = { ...require('../../jest.preset.js') };\n",
    [`${root}/src/config.ts`]: configSource(input),
    [`${root}/src/deps.ts`]: depsSource(input),
    [`${root}/src/tools/index.ts`]: toolsIndexSource(input),
    [`${root}/src/service.ts`]: serviceSource(input),
    [`${root}/src/index.ts`]: indexSource(input),
    [`${root}/src/lambda.ts`]: lambdaSource(input),
    [`${root}/tests/server.test.ts`]: serverTestSource(input),
    [`e2e/tests/${server.kebab}/server.e2e.test.ts`]: serverE2eSource(input),
  };
}

function packageJson({ server, access, description }: ServerTemplateInput): string {
  const json = {
    name: `@gmcp/${server.kebab}`,
    version: '0.1.0',
    private: true,
    description: `${access === 'read' ? 'Read-only' : 'Write-capable'} MCP server: ${description}`,
    main: './src/index.ts',
    types: './src/index.ts',
    scripts: { typecheck: 'tsc -p tsconfig.json --noEmit', lint: 'eslint .', test: 'jest' },
    dependencies: { '@gmcp/mcp-kit': '*', zod: '^4.6.7' },
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

function configSource({ server, port }: ServerTemplateInput): string {
  return `import { z } from 'zod';
import { parseEnv, ServiceEnvSchema } from '@gmcp/mcp-kit';

/** The ${server.kebab} server's environment: the kit's variables, plus its own adapters' settings when it has some. */
export const ${server.pascal}Env = ServiceEnvSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(${port}),
});
export type ${server.pascal}Env = z.output<typeof ${server.pascal}Env>;

export function parse${server.pascal}Env(source: Record<string, string | undefined>): ${server.pascal}Env {
  return parseEnv(${server.pascal}Env, source);
}
`;
}

function depsSource({ server }: ServerTemplateInput): string {
  return `/**
 * The adapters ${server.kebab}'s tools use, chosen by configuration in \`service.ts\`:
 * an AWS adapter and a local one behind a small interface each. Handlers never import an AWS client.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- adapters are added with the tools that need them
export interface ${server.pascal}Deps {}
`;
}

function toolsIndexSource({ server }: ServerTemplateInput): string {
  return `import type { ToolDefinition } from '@gmcp/mcp-kit';
import type { ${server.pascal}Deps } from '../deps';

/** The server's tools, in the order clients list them (\`nx g @gmcp/generators:tool --project=${server.kebab}\` appends here). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each tool has its own schemas
export const ${server.camel}Tools: ToolDefinition<any, any, ${server.pascal}Deps>[] = [];
`;
}

function serviceSource({ server, access, description }: ServerTemplateInput): string {
  return `import { createLogger, defineServer, type PreparedService, type RunningService, type ServiceDefinition } from '@gmcp/mcp-kit';
import { parse${server.pascal}Env } from './config';
import type { ${server.pascal}Deps } from './deps';
import { ${server.camel}Tools } from './tools';

export const ${server.constant}_NAME = '${server.kebab}';
export const ${server.constant}_VERSION = '0.1.0';

export function ${server.camel}Definition(deps: ${server.pascal}Deps): ServiceDefinition<${server.pascal}Deps> {
  return {
    name: ${server.constant}_NAME,
    version: ${server.constant}_VERSION,
    /** What the assistant reads first: what the server offers and how to use its tools. */
    instructions: ${quoted(description)},
    access: '${access}',
    tools: ${server.camel}Tools,
    deps,
  };
}

/** The server on the configuration in \`envSource\`, its adapters built (local start and Lambda). */
export async function prepare${server.pascal}(envSource: Record<string, string | undefined>): Promise<PreparedService<${server.pascal}Deps>> {
  const env = parse${server.pascal}Env(envSource);
  const logger = createLogger(${server.constant}_NAME, env.LOG_LEVEL);
  const deps: ${server.pascal}Deps = {};
  return { env, definition: { ...${server.camel}Definition(deps), logger }, close: async () => undefined };
}

/** The server as the platform registers it (config/servers.json). */
export const ${server.camel}Server = defineServer({
  name: ${server.constant}_NAME,
  access: '${access}',
  tools: ${server.camel}Tools,
  parseEnv: parse${server.pascal}Env,
  prepare: prepare${server.pascal},
});

/** Starts the server on the configuration in \`envSource\` (process.env by default). */
export function start${server.pascal}(envSource: Record<string, string | undefined> = process.env): Promise<RunningService> {
  return ${server.camel}Server.start(envSource);
}
`;
}

function indexSource({ server }: ServerTemplateInput): string {
  return `export { ${server.camel}Server, start${server.pascal}, prepare${server.pascal}, ${server.camel}Definition, ${server.constant}_NAME } from './service';
export { ${server.camel}Tools } from './tools';
export { ${server.pascal}Env, parse${server.pascal}Env } from './config';
export type { ${server.pascal}Deps } from './deps';
`;
}

function lambdaSource({ server }: ServerTemplateInput): string {
  return `import { lambdaEntries } from '@gmcp/mcp-kit';
import { ${server.camel}Server } from './service';

/** Lambda entry behind API Gateway (HTTP API, payload format 2.0). */
export const { handler } = lambdaEntries(${server.camel}Server.name, ${server.camel}Server.prepare);
`;
}

function serverTestSource({ server, access, port }: ServerTemplateInput): string {
  return `import { createToolSet } from '@gmcp/mcp-kit';
import { parse${server.pascal}Env } from '../src/config';
import { ${server.camel}Server } from '../src/service';

const env = { AUTH_ISSUER: 'http://127.0.0.1:4100', AUDIT_HMAC_KEY: Buffer.alloc(32, 1).toString('base64') };

describe('${server.kebab} server', () => {
  it('is the ${access} server registered as ${server.kebab}, on its local port by default', () => {
    expect(${server.camel}Server).toMatchObject({ name: '${server.kebab}', access: '${access}' });
    expect(parse${server.pascal}Env(env).PORT).toBe(${port});
  });

  it('prepares its definition from the environment, with tools that pass the kit\\'s guard rails', async () => {
    const prepared = await ${server.camel}Server.prepare(env);
    try {
      expect(prepared.definition).toMatchObject({ name: '${server.kebab}', access: '${access}' });
      expect(() => createToolSet(prepared.definition.tools, { serverAccess: '${access}' })).not.toThrow();
    } finally {
      await prepared.close();
    }
  });

  it('refuses a configuration without an issuer, naming the variable', () => {
    expect(() => parse${server.pascal}Env({})).toThrow(/AUTH_ISSUER/);
  });
});
`;
}

function serverE2eSource({ server }: ServerTemplateInput): string {
  return `import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { governanceFile, startPlatform, type Platform } from '@gmcp/platform';
import { ${server.camel}Server } from '@gmcp/${server.kebab}';
import { connectClient } from '../support/mcp-client';

let platform: Platform;
let stateDir: string;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'gmcp-${server.kebab}-'));
  platform = await startPlatform({ GMCP_STATE_DIR: stateDir, LOG_LEVEL: 'SILENT' }, { servers: ['${server.kebab}'], ephemeralPorts: true });
}, 60_000);
afterAll(async () => {
  await platform?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

describe('${server.kebab} started as \`npm start\` starts it', () => {
  it('lists exactly its allowlisted tools to a caller holding their scopes', async () => {
    const allowlist = JSON.parse(await readFile(governanceFile('${server.kebab}'), 'utf8')) as { tools: { name: string }[] };
    const scopes = [...new Set(${server.camel}Server.tools.map((tool) => tool.scope))];
    const client = await connectClient(platform.urls['${server.kebab}']!, await platform.token('${server.kebab}', { scopes }), 'modern');
    const listed = (await client.listTools()).tools.map((tool) => tool.name).sort();
    const served = ${server.camel}Server.tools.map((tool) => tool.name);
    expect(listed).toEqual(allowlist.tools.map((entry) => entry.name).filter((name) => served.includes(name)).sort());
    await client.close();
  });

  it('publishes where clients find its issuer, and refuses a call without a token', async () => {
    const url = new URL(platform.urls['${server.kebab}']!);
    const metadata = await fetch(new URL('/.well-known/oauth-protected-resource/mcp', url));
    expect(metadata.status).toBe(200);
    expect(await metadata.json()).toMatchObject({ resource: url.href });
    const anonymous = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(anonymous.status).toBe(401);
  });
});
`;
}
