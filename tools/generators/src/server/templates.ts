import type { Names } from '../shared/names';
import { quoted } from '../shared/names';

export interface ServerTemplateInput {
  readonly server: Names;
  readonly access: 'read' | 'write';
  readonly description: string;
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
    [`${root}/src/server.ts`]: serverSource(input),
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

function configSource({ server }: ServerTemplateInput): string {
  return `import type { z } from 'zod';
import { ServiceEnvSchema } from '@gmcp/mcp-kit';

/**
 * The ${server.kebab} server's environment: the kit's variables, plus its own adapters' settings
 * when it has some (a local default, and a check with \`.superRefine\` where one variable needs
 * another). Its port comes from config/servers.json.
 */
export const ${server.pascal}Env = ServiceEnvSchema.extend({});
export type ${server.pascal}Env = z.output<typeof ${server.pascal}Env>;
`;
}

function depsSource({ server }: ServerTemplateInput): string {
  return `import { toolsFor } from '@gmcp/mcp-kit';

/**
 * The adapters ${server.kebab}'s tools use, built from the environment in \`server.ts\`:
 * an AWS adapter and a local one behind a small interface each. Handlers never import an AWS client.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- adapters are added with the tools that need them
export interface ${server.pascal}Deps {}

/** \`defineTool\` for this server's tools: a handler's \`ctx.deps\` is ${server.pascal}Deps, with no annotation. */
export const tool = toolsFor<${server.pascal}Deps>();
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

function serverSource({ server, access, description }: ServerTemplateInput): string {
  return `import { defineServer } from '@gmcp/mcp-kit';
import { ${server.pascal}Env } from './config';
import type { ${server.pascal}Deps } from './deps';
import { ${server.camel}Tools } from './tools';

/** The ${server.kebab} server, as config/servers.json registers it: its local start and Lambda entry derive from this. */
export const ${server.camel}Server = defineServer({
  name: '${server.kebab}',
  version: '0.1.0',
  /** What the assistant reads first: what the server offers and how to use its tools. */
  instructions: ${quoted(description)},
  access: '${access}',
  env: ${server.pascal}Env,
  tools: ${server.camel}Tools,
  // Build each adapter from the environment; register what must be closed with onClose.
  deps: (): ${server.pascal}Deps => ({}),
});
`;
}

function indexSource({ server }: ServerTemplateInput): string {
  return `export { ${server.camel}Server } from './server';
export { ${server.camel}Tools } from './tools';
export { ${server.pascal}Env } from './config';
export type { ${server.pascal}Deps } from './deps';
`;
}

function lambdaSource({ server }: ServerTemplateInput): string {
  return `import { lambdaEntries } from '@gmcp/mcp-kit/lambda';
import { ${server.camel}Server } from './server';

const entries = lambdaEntries(${server.camel}Server);

/** Lambda entry behind API Gateway (HTTP API, payload format 2.0). */
export const { handler } = entries;
// The API function builds its service in Lambda's INIT phase (ahead of any request with provisioned concurrency).
await entries.ready;
`;
}

function serverTestSource({ server, access }: ServerTemplateInput): string {
  return `import { ${server.camel}Server } from '../src/server';

const env = { PORT: '0', AUTH_ISSUER: 'http://127.0.0.1:4100', AUDIT_HMAC_KEY: Buffer.alloc(32, 1).toString('base64') };

describe('${server.kebab} server', () => {
  it('is the ${access} server registered as ${server.kebab}', () => {
    expect(${server.camel}Server).toMatchObject({ name: '${server.kebab}', access: '${access}' });
  });

  it('prepares from the environment, its tools within the kit’s guard rails', async () => {
    const prepared = await ${server.camel}Server.prepare(env);
    try {
      expect(prepared.definition).toMatchObject({ name: '${server.kebab}', access: '${access}', tools: ${server.camel}Server.tools });
    } finally {
      await prepared.close();
    }
  });

  it('refuses a configuration without an issuer, naming the variable', () => {
    expect(() => ${server.camel}Server.parseEnv({ PORT: '0' })).toThrow(/AUTH_ISSUER/);
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
