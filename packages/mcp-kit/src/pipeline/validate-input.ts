import { ToolInputError } from '../errors/errors';
import type { RegisteredTool } from '../tool/tool-set';

/** Validates arguments against the tool's input schema; the handler never sees anything else. */
export function validateInput<Deps>(tool: RegisteredTool<Deps>, args: unknown): { ok: true; input: unknown } | { ok: false; error: ToolInputError } {
  const parsed = tool.definition.input.safeParse(args ?? {});
  if (parsed.success) return { ok: true, input: parsed.data };
  const issues = parsed.error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
  return { ok: false, error: new ToolInputError(tool.definition.name, issues) };
}
