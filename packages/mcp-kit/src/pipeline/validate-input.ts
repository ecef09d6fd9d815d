import { ToolInputError } from '../errors/errors';
import type { RegisteredTool } from '../tool/tool-set';

/**
 * Validates arguments against the tool's input schema; the handler never sees anything else.
 * Before the schema, a text with a NUL character anywhere in the arguments is refused for every
 * tool: no store takes it as text (PostgreSQL refuses it), and no caller needs it.
 */
export function validateInput<Deps>(tool: RegisteredTool<Deps>, args: unknown): { ok: true; input: unknown } | { ok: false; error: ToolInputError } {
  const withNul = pathsWithNul(args);
  if (withNul.length > 0) return { ok: false, error: new ToolInputError(tool.definition.name, withNul.map((path) => `${path || '(arguments)'}: must not contain NUL characters (\\u0000)`)) };
  const parsed = tool.definition.input.safeParse(args ?? {});
  if (parsed.success) return { ok: true, input: parsed.data };
  const issues = parsed.error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
  return { ok: false, error: new ToolInputError(tool.definition.name, issues) };
}

/** Where a string (value or key) holds U+0000, as dotted paths; iterative, so any depth is safe. */
function pathsWithNul(args: unknown): string[] {
  const found: string[] = [];
  const stack: [unknown, string][] = [[args, '']];
  while (stack.length > 0 && found.length < 10) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) found.push(path);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const childPath = path ? `${path}.${key.replaceAll('\u0000', '\\u0000')}` : key.replaceAll('\u0000', '\\u0000');
        if (key.includes('\u0000')) found.push(childPath);
        stack.push([child, childPath]);
      }
    }
  }
  return found.sort();
}
