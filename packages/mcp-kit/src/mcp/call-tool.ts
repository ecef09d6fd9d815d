import type { z } from 'zod';
import { ToolError, ToolInputError } from '../errors';
import type { ToolContext } from '../tool/define-tool';
import type { RegisteredTool } from '../tool/tool-set';

/** The MCP `tools/call` result shape the kit produces. */
export interface ToolCallResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export type ToolOutcome = 'ok' | 'invalid_input' | 'tool_error' | 'internal_error';

/**
 * Runs one tool call: validate the arguments (the handler is not run when they fail),
 * run the handler, validate its output against the declared schema, render it.
 * A {@link ToolError} becomes a tool error with its message; anything else becomes a
 * generic tool error whose detail goes only to the log.
 */
export async function runTool<Deps>(
  tool: RegisteredTool<Deps>,
  args: unknown,
  ctx: ToolContext<Deps>,
): Promise<{ result: ToolCallResult; outcome: ToolOutcome }> {
  const { definition } = tool;
  const input = definition.input.safeParse(args ?? {});
  if (!input.success) {
    const error = new ToolInputError(definition.name, describeIssues(input.error));
    return { result: toolError(error.message), outcome: 'invalid_input' };
  }
  try {
    const raw = await definition.handler(input.data, ctx);
    const output = definition.output.parse(raw);
    const text = definition.render ? definition.render(output) : JSON.stringify(output, null, 2);
    return { result: { content: [{ type: 'text', text }], structuredContent: output }, outcome: 'ok' };
  } catch (error) {
    if (error instanceof ToolError) return { result: toolError(error.message), outcome: 'tool_error' };
    ctx.logger.error('tool handler failed', { tool: definition.name, requestId: ctx.requestId, error: error as Error });
    return {
      result: toolError(`Tool ${definition.name} failed unexpectedly. Reference: ${ctx.requestId}`),
      outcome: 'internal_error',
    };
  }
}

function toolError(text: string): ToolCallResult {
  return { content: [{ type: 'text', text }], isError: true };
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
}
