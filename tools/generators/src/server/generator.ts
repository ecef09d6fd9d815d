import { execSync } from 'node:child_process';
import { logger, readJson, updateJson, writeJson, type Tree } from '@nx/devkit';
import { z } from 'zod';
import { parseServerRegistry, RESERVED_LOCAL_PORTS, RESERVED_SERVER_NAMES } from '@gmcp/infra/servers';
import { names, type Names } from '../shared/names';
import { addNamedImport, appendToExportedObject } from '../shared/source-edits';
import { GeneratorError, governancePath, readRegistry, REGISTRY_PATH, stageFiles } from '../shared/workspace';
import { ServerOptions } from './schema';
import { serverFiles } from './templates';

const SERVER_MODULES_PATH = 'infra/src/server-modules.ts';
/** What a new server's allowlist starts with: no tools, the platform's usual limits. */
const STARTING_POLICY = {
  tools: [],
  limits: { per_actor_per_tool: { requests: 120, window_seconds: 60 }, per_server: { requests: 3000, window_seconds: 60 }, max_concurrency: 64 },
};

/**
 * `nx g @gmcp/generators:server`: a server app on the kit (config, server declaration, local start,
 * Lambda entry, tests), registered in config/servers.json — from which the local start,
 * the bundles, the IAM roles and the deployment plan follow — with an empty allowlist and
 * its settings in every stage file.
 */
export default async function serverGenerator(tree: Tree, raw: ServerOptions) {
  const parsed = ServerOptions.safeParse(raw);
  if (!parsed.success) throw new GeneratorError(z.prettifyError(parsed.error));
  const options = parsed.data;
  const server = names(options.name);
  const registry = readRegistry(tree);
  if (registry[server.kebab] || tree.exists(`apps/${server.kebab}`)) throw new GeneratorError(`A server ${server.kebab} already exists (apps/${server.kebab} or ${REGISTRY_PATH})`);
  const taken = ['packages', 'tools'].some((folder) => tree.exists(`${folder}/${server.kebab}`)) || ['infra', 'e2e', 'bench'].includes(server.kebab);
  if (taken || (RESERVED_SERVER_NAMES as readonly string[]).includes(server.kebab)) throw new GeneratorError(`"${server.kebab}" is taken by a workspace package or the platform: choose another name`);
  const port = options.port ?? nextFreePort(Object.values(registry).map((entry) => entry.localPort));
  const description = options.description ?? `${options.access === 'read' ? 'Read-only' : 'Write-capable'} tools of ${server.kebab}. Describe here what it offers and how to use its tools.`;

  for (const [path, content] of Object.entries(serverFiles({ server, access: options.access, description }))) tree.write(path, content);
  register(tree, server, { access: options.access, localPort: port, uses: [] });
  writeJson(tree, governancePath(server.kebab), STARTING_POLICY);
  for (const stage of stageFiles(tree)) addStageSettings(tree, stage, server);
  addServerModule(tree, server);

  return () => {
    if (!options.skipInstall) execSync('npm install --no-audit --no-fund', { cwd: tree.root, stdio: 'inherit' });
    logger.info(`Server ${server.kebab} (${options.access}) added: apps/${server.kebab}, local port ${port}.`);
    if (options.skipInstall) logger.info('Run npm install before anything else: it links @gmcp/' + server.kebab + ' and records it in package-lock.json.');
    if (!options.description) logger.warn(`No --description: edit the placeholder instructions in apps/${server.kebab}/src/server.ts.`);
    logger.info(`Next: npx nx g @gmcp/generators:tool --project=${server.kebab} --name=<tool_name> ...`);
    logger.info(`Review its stage settings (${stageFiles(tree).join(', ')}) and docs/adding-a-tool.md; it deploys once it has a tool.`);
  };
}

function register(tree: Tree, server: Names, entry: { access: 'read' | 'write'; localPort: number; uses: never[] }): void {
  updateJson(tree, REGISTRY_PATH, (json: { servers: Record<string, unknown> }) => {
    const next = { ...json, servers: { ...json.servers, [server.kebab]: entry } };
    parseServerRegistry(next);
    return next;
  });
}

/** A new server's settings copy the first server's of the same stage, with its own audience and scope prefix. */
function addStageSettings(tree: Tree, path: string, server: Names): void {
  const stage = readJson<{ services: Record<string, { audience: string; scopePrefix?: string }> }>(tree, path);
  const [template, settings] = Object.entries(stage.services)[0] ?? [];
  if (!template || !settings) throw new GeneratorError(`${path} has no services to copy settings from`);
  const audience = settings.audience.endsWith(template) ? settings.audience.slice(0, -template.length) + server.kebab : `${settings.audience}-${server.kebab}`;
  // An identity provider's prefix names the server it belongs to (api://gmcp/policy-reader/): the new one gets its own.
  const scopePrefix = settings.scopePrefix?.replace(template, server.kebab);
  updateJson(tree, path, (json: { services: Record<string, unknown> }) => ({
    ...json,
    services: { ...json.services, [server.kebab]: { ...settings, audience, ...(scopePrefix === undefined ? {} : { scopePrefix }) } },
  }));
}

function addServerModule(tree: Tree, server: Names): void {
  const source = tree.read(SERVER_MODULES_PATH, 'utf8');
  if (source === null) throw new GeneratorError(`${SERVER_MODULES_PATH} is missing`);
  const withImport = addNamedImport(source, SERVER_MODULES_PATH, `${server.camel}Server`, `@gmcp/${server.kebab}`);
  tree.write(SERVER_MODULES_PATH, appendToExportedObject(withImport, SERVER_MODULES_PATH, 'SERVER_MODULES', `'${server.kebab}': ${server.camel}Server`));
  updateJson(tree, 'infra/package.json', (json: { dependencies: Record<string, string> }) => ({
    ...json,
    dependencies: Object.fromEntries(Object.entries({ ...json.dependencies, [`@gmcp/${server.kebab}`]: '*' }).sort(([a], [b]) => a.localeCompare(b))),
  }));
}

function nextFreePort(taken: readonly number[]): number {
  const used = new Set<number>([...taken, ...RESERVED_LOCAL_PORTS]);
  let port = Math.max(4100, ...taken) + 1;
  while (used.has(port)) port += 1;
  return port;
}
