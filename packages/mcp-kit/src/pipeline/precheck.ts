import { ToolError } from '../errors/errors';
import type { ChangedField, ToolContext } from '../tool/define-tool';
import { appError, type RegisteredTool } from '../tool/tool-set';

/** What a tool's precheck said: what the call would change, a refusal the caller may read, or an unexpected failure. */
export type PrecheckOutcome = { kind: 'ok'; changes: readonly ChangedField[] } | { kind: 'refused'; message: string } | { kind: 'failed'; error: unknown };

/** Runs a tool's precheck (none: nothing to say), its errors mapped as the tool's own (`mapError`). */
export async function runPrecheck<Deps>(tool: RegisteredTool<Deps>, input: unknown, ctx: ToolContext<Deps>): Promise<PrecheckOutcome> {
  try {
    return { kind: 'ok', changes: [...((await tool.definition.precheck?.(input as never, ctx)) ?? [])] };
  } catch (thrown) {
    const error = appError(tool, thrown);
    return error instanceof ToolError ? { kind: 'refused', message: error.message } : { kind: 'failed', error };
  }
}
