import type { z } from 'zod';
import { ToolError, ToolInputError } from '../errors';
import type { Classification, ToolContext } from '../tool/define-tool';
import type { RegisteredTool } from '../tool/tool-set';

/** The MCP `tools/call` result shape the kit produces. */
export interface ToolCallResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export type ExecutionOutcome = 'ok' | 'tool_error' | 'internal_error';

/** Validates arguments against the tool's input schema. */
export function validateInput<Deps>(
  tool: RegisteredTool<Deps>,
  args: unknown,
): { ok: true; input: unknown } | { ok: false; error: ToolInputError } {
  const parsed = tool.definition.input.safeParse(args ?? {});
  if (parsed.success) return { ok: true, input: parsed.data };
  const issues = parsed.error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
  return { ok: false, error: new ToolInputError(tool.definition.name, issues) };
}

/**
 * Runs a tool on already-validated input and validates its output against the declared
 * schema. A {@link ToolError} becomes a tool error with its message; anything else
 * becomes a generic tool error whose detail goes only to the log.
 */
export async function executeTool<Deps>(
  tool: RegisteredTool<Deps>,
  input: unknown,
  ctx: ToolContext<Deps>,
): Promise<{ result: ToolCallResult; outcome: ExecutionOutcome; classification: Classification }> {
  const { definition } = tool;
  try {
    const raw = await definition.handler(input as z.output<typeof definition.input>, ctx);
    const output = definition.output.parse(raw);
    const text = definition.render ? definition.render(output) : JSON.stringify(output, null, 2);
    return {
      result: { content: [{ type: 'text', text }], structuredContent: output },
      outcome: 'ok',
      classification: definition.classify?.(output) ?? definition.classification,
    };
  } catch (error) {
    const classification = definition.classification;
    if (error instanceof ToolError) return { result: toolErrorResult(error.message), outcome: 'tool_error', classification };
    ctx.logger.error('tool handler failed', { tool: definition.name, requestId: ctx.requestId, error: error as Error });
    return {
      result: toolErrorResult(`Tool ${definition.name} failed unexpectedly. Reference: ${ctx.requestId}`),
      outcome: 'internal_error',
      classification,
    };
  }
}

export function toolErrorResult(text: string): ToolCallResult {
  return { content: [{ type: 'text', text }], isError: true };
}
