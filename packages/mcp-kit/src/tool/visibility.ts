import type { Actor } from '../auth/actor';
import type { RegisteredTool } from './tool-set';

/** Tools a caller may see and call: those whose scope the caller holds. */
export function visibleTools<Deps>(tools: ReadonlyMap<string, RegisteredTool<Deps>>, actor: Actor): RegisteredTool<Deps>[] {
  return [...tools.values()].filter((tool) => actor.scopes.has(tool.definition.scope));
}
