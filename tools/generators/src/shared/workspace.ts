import { readJson, type Tree } from '@nx/devkit';
import { parseServerRegistry, type ServerEntry } from '@gmcp/infra/servers';

export const REGISTRY_PATH = 'config/servers.json';
export const governancePath = (server: string) => `config/governance/${server}.json`;
export const STAGES_DIR = 'infra/stages';

/** Why the generator refused: printed as is, nothing written. */
export class GeneratorError extends Error {}

/** The registry as it is in the tree being generated into (validated as infra validates it). */
export function readRegistry(tree: Tree): Record<string, ServerEntry> {
  if (!tree.exists(REGISTRY_PATH)) throw new GeneratorError(`${REGISTRY_PATH} is missing: run the generator from the workspace root`);
  return parseServerRegistry(readJson(tree, REGISTRY_PATH)).servers;
}

/** `ops-reader` or `@gmcp/ops-reader` → the registered server `ops-reader`. */
export function resolveServer(tree: Tree, project: string): { name: string; entry: ServerEntry } {
  const name = project.replace(/^@gmcp\//, '');
  const entry = readRegistry(tree)[name];
  if (!entry || !tree.exists(`apps/${name}/src/tools/index.ts`)) {
    const known = Object.keys(readRegistry(tree)).join(', ');
    throw new GeneratorError(`No server "${project}": tools are added to a server app registered in ${REGISTRY_PATH} (${known})`);
  }
  return { name, entry };
}

export function stageFiles(tree: Tree): string[] {
  return tree.children(STAGES_DIR).filter((file) => file.endsWith('.json')).map((file) => `${STAGES_DIR}/${file}`);
}
