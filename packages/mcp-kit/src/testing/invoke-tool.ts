import type { z } from 'zod';
import type { Actor } from '../auth/actor';
import { createLogger } from '../logging/logger';
import { runHandler } from '../pipeline/execute';
import { validateInput } from '../pipeline/validate-input';
import type { Classification, ToolDefinition } from '../tool/define-tool';
import { createCursorSeals } from '../tool/cursor-seal';
import { createToolSet, type ErrorMapper } from '../tool/tool-set';

type AnyObject = z.ZodObject<z.ZodRawShape>;

/** One key for every invocation in a test process, so that a cursor from one call opens in the next. */
const TEST_CURSOR_SEALS = createCursorSeals();

export interface InvokeToolOptions<Deps> {
  deps: Deps;
  /** The caller; by default `alice` through `unit-test` with the tool's own scope. */
  actor?: Partial<Actor>;
  approvalId?: string;
  /** The server's `mapError`, to see a domain error as the caller would. */
  mapError?: ErrorMapper;
}

export interface InvokedTool<Out> {
  output: Out;
  /** What a client that reads only text would see. */
  text: string;
  classification: Classification;
}

/**
 * Runs one tool the way the kit does, without a server: the definition's guard rails,
 * input validation (a `ToolInputError` on bad arguments), then the same step the server
 * runs a handler with (output validated against the declared schema, rendered, classified). Governance (allowlist, scopes, audit) is not
 * applied: test that through a running server (see e2e/).
 */
export async function invokeTool<In extends AnyObject, Out extends AnyObject, Deps>(
  tool: ToolDefinition<In, Out, Deps>,
  args: unknown,
  options: InvokeToolOptions<Deps>,
): Promise<InvokedTool<z.output<Out>>> {
  const registered = createToolSet([tool as unknown as ToolDefinition<AnyObject, AnyObject, Deps>], { serverAccess: tool.access, mapError: options.mapError }).get(tool.name)!;
  const validated = validateInput(registered, args);
  if (!validated.ok) throw validated.error;
  const actor: Actor = { subject: 'alice', clientId: 'unit-test', scopes: new Set([tool.scope]), issuer: 'https://issuer.test', expiresAt: Math.floor(Date.now() / 1000) + 300, ...options.actor };
  const ctx = { actor, requestId: 'unit-test', logger: createLogger(tool.name, 'SILENT'), deps: options.deps, approvalId: options.approvalId, cursors: TEST_CURSOR_SEALS(actor.subject) };
  const { output, text, classification } = await runHandler(registered, validated.input, ctx);
  return { output: output as z.output<Out>, text, classification };
}
