import { execFileSync } from 'node:child_process';
import { logger, updateJson, type Tree } from '@nx/devkit';
import { z } from 'zod';
import { names } from '../shared/names';
import { addNamedImport, appendToExportedArray } from '../shared/source-edits';
import { GeneratorError, governancePath, resolveServer } from '../shared/workspace';
import { ToolOptions } from './schema';
import { toolE2eTestSource, toolSource, toolUnitTestSource, type ToolTemplateInput } from './templates';

/**
 * `nx g @gmcp/generators:tool`: a governed tool in a server app, with its unit and e2e
 * tests, registered in the app and (unless --no-allowlist) on the server's allowlist.
 * Refuses, before writing anything, what the kit would refuse at start-up.
 */
export default async function toolGenerator(tree: Tree, raw: ToolOptions) {
  const parsed = ToolOptions.safeParse(raw);
  if (!parsed.success) throw new GeneratorError(z.prettifyError(parsed.error));
  const options = parsed.data;
  const { name: serverName, entry } = resolveServer(tree, options.project);
  const tool = names(options.name);
  const server = names(serverName);
  const access = options.access ?? entry.access;
  assertServable({ ...options, access }, serverName, entry);

  const paths = {
    source: `apps/${server.kebab}/src/tools/${tool.kebab}.ts`,
    unitTest: `apps/${server.kebab}/tests/tools/${tool.kebab}.test.ts`,
    e2eTest: `e2e/tests/${server.kebab}/${tool.kebab}.e2e.test.ts`,
    index: `apps/${server.kebab}/src/tools/index.ts`,
  };
  const index = tree.read(paths.index, 'utf8')!;
  if (tree.exists(paths.source) || new RegExp(`\\bname: '${tool.raw}'`).test(index) || allowlisted(tree, serverName).includes(tool.raw)) {
    throw new GeneratorError(`${serverName} already has a tool ${tool.raw} (or its file ${paths.source})`);
  }
  assertUsableIdentifier(tool.camel, server.camel, index);

  const input: ToolTemplateInput = { ...options, access, tool, server, title: options.title ?? tool.title };
  tree.write(paths.source, toolSource(input));
  tree.write(paths.unitTest, toolUnitTestSource(input));
  tree.write(paths.e2eTest, toolE2eTestSource(input));
  const withImport = addNamedImport(index, paths.index, tool.camel, `./${tool.kebab}`);
  tree.write(paths.index, appendToExportedArray(withImport, paths.index, `${server.camel}Tools`, tool.camel));
  if (options.allowlist) updateJson(tree, governancePath(serverName), (policy: { tools: { name: string }[] }) => ({ ...policy, tools: [...policy.tools, { name: tool.raw }] }));

  return () => {
    // The entry pins the definition just written; a later change to it needs a new pin (a reviewed change).
    if (options.allowlist) execFileSync('npx', ['tsx', 'tools/platform/src/allowlist-cli.ts', 'pin', '--server', serverName, '--tool', tool.raw], { cwd: tree.root, stdio: 'inherit' });
    logger.info(`Tool ${tool.raw} added to ${serverName}${options.allowlist ? ` and to its allowlist, pinned (${governancePath(serverName)})` : ' (not allowlisted: invisible until added to the allowlist)'}.`);
    logger.info(`Next: write the handler in ${paths.source}; after changing its description or schemas, pin it again:`);
    logger.info(`  npm run allowlist -- pin --server ${serverName} --tool ${tool.raw}`);
    logger.info('then test it:');
    logger.info(`  npx nx test @gmcp/${server.kebab}        # unit tests, including ${paths.unitTest}`);
    logger.info(`  npx nx test @gmcp/e2e -- ${paths.e2eTest}`);
    logger.info(`  npm start, then: npm run token -- --sub alice --scope "${options.scope}" --aud ${serverName}`);
    logger.info('See docs/adding-a-tool.md for review, allowlisting per stage and deployment.');
  };
}

/** The kit's start-up guard rails, applied before anything is written. */
function assertServable(options: { risk: string; access: string }, server: string, entry: { access: string; uses: readonly string[] }): void {
  if (options.access === 'write' && entry.access === 'read') {
    throw new GeneratorError(`${server} is a read-only server: a write tool belongs in a write server (the kit refuses it at start-up)`);
  }
  const approvals = entry.uses.includes('approvals');
  if (options.risk === 'high' && !approvals) {
    throw new GeneratorError(`${server} has no approval workflow ("uses": ["approvals"] in config/servers.json): a high-risk tool waits for a human approver, so it cannot be served there`);
  }
  if (options.risk === 'medium' && options.access === 'write' && !approvals) {
    throw new GeneratorError(`${server} has no approval key ("uses": ["approvals"] in config/servers.json): a medium-risk write asks the user to confirm, which that key signs`);
  }
}

/** Words the generated files already use, or that JavaScript keeps for itself. */
const TAKEN_IDENTIFIERS = new Set([
  ...['z', 'defineTool', 'invokeTool', 'ToolInputError', 'ToolContext', 'deps'],
  ...'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await'.split(' '),
]);

function assertUsableIdentifier(identifier: string, server: string, index: string): void {
  if (TAKEN_IDENTIFIERS.has(identifier) || identifier === `${server}Tools` || new RegExp(`\\b${identifier}\\b`).test(index)) {
    throw new GeneratorError(`The tool's variable would be \`${identifier}\`, which the generated code or the server's tools/index.ts already uses: choose a more specific name`);
  }
}

function allowlisted(tree: Tree, server: string): string[] {
  const path = governancePath(server);
  if (!tree.exists(path)) return [];
  return (JSON.parse(tree.read(path, 'utf8')!) as { tools?: { name: string }[] }).tools?.map((entry) => entry.name) ?? [];
}
