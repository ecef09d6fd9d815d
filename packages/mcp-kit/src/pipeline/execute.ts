import type { z } from 'zod';
import { toolErrorFor } from '../errors/error-table';
import type { Classification, ToolContext } from '../tool/define-tool';
import { appError, type RegisteredTool } from '../tool/tool-set';
import { toolErrorResult, type ToolCallResult } from './call';

export type ExecutionOutcome = 'ok' | 'tool_error' | 'internal_error';

/** What a handler produced: its output, validated against the declared schema, as text and with its classification. */
export interface HandlerOutput {
  output: Record<string, unknown>;
  text: string;
  classification: Classification;
}

/**
 * Runs a tool's handler on already-validated input, validates its output against the
 * declared schema, renders it, and classifies it. Throws what the handler throws (and a
 * zod error for output that breaks the schema), after the server's `mapError`. The server, the approval runner and
 * `invokeTool` all run tools through this.
 */
export async function runHandler<Deps>(tool: RegisteredTool<Deps>, input: unknown, ctx: ToolContext<Deps>): Promise<HandlerOutput> {
  const { definition } = tool;
  const raw = await definition.handler(input as z.output<typeof definition.input>, ctx).catch((error: unknown) => {
    throw appError(tool, error);
  });
  const output = definition.output.parse(raw);
  return {
    output,
    text: definition.render ? definition.render(output) : JSON.stringify(output, null, 2),
    classification: definition.classify?.(output) ?? definition.classification,
  };
}

/**
 * {@link runHandler} as the MCP layer answers it: a {@link ToolError} becomes a tool error
 * with its message; anything else a generic tool error whose detail goes only to the log.
 */
export async function executeTool<Deps>(
  tool: RegisteredTool<Deps>,
  input: unknown,
  ctx: ToolContext<Deps>,
): Promise<{ result: ToolCallResult; outcome: ExecutionOutcome; classification: Classification }> {
  try {
    const { output, text, classification } = await runHandler(tool, input, ctx);
    return { result: { content: [{ type: 'text', text }], structuredContent: output }, outcome: 'ok', classification };
  } catch (error) {
    const failure = toolErrorFor(error, { tool: tool.definition.name, requestId: ctx.requestId });
    if (failure.outcome === 'internal_error') ctx.logger.error('tool handler failed', { tool: tool.definition.name, requestId: ctx.requestId, error: error as Error });
    return { result: toolErrorResult(failure.text), outcome: failure.outcome, classification: tool.definition.classification };
  }
}
