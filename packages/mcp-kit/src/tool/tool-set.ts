import { z } from 'zod';
import { ToolDefinitionError } from '../errors';
import { ACCESS_MODES, CLASSIFICATIONS, RISK_LEVELS, type AccessMode, type ToolDefinition } from './define-tool';
import { PendingApprovalOutput } from '../approvals/request-status-tool';
import { definitionHash } from './definition-hash';

/** A tool's wire name: lowercase snake_case. */
export const TOOL_NAME = /^[a-z][a-z0-9_]{1,63}$/;
/** An OAuth scope such as tickets:read. */
export const SCOPE = /^[a-z][a-z0-9_.-]*(:[a-z0-9_.-]+)*$/;

/** A tool as the service serves it: the definition plus its precomputed wire schemas. */
export interface RegisteredTool<Deps = unknown> {
  readonly definition: ToolDefinition<z.ZodObject<z.ZodRawShape>, z.ZodObject<z.ZodRawShape>, Deps>;
  readonly inputJsonSchema: Record<string, unknown>;
  readonly outputJsonSchema: Record<string, unknown>;
  /** What an allowlist entry must pin for the tool to be served (see definition-hash.ts). */
  readonly definitionHash: string;
}

export interface ToolSetOptions {
  /** `read` servers refuse to start with a write tool. */
  serverAccess: AccessMode;
}

/**
 * Checks a server's tools against the guard rails and prepares them for serving.
 * Fails at start-up with a message naming the tool, never at call time.
 */
export function createToolSet<Deps>(
  tools: readonly ToolDefinition<z.ZodObject<z.ZodRawShape>, z.ZodObject<z.ZodRawShape>, Deps>[],
  options: ToolSetOptions,
): ReadonlyMap<string, RegisteredTool<Deps>> {
  const registered = new Map<string, RegisteredTool<Deps>>();
  for (const tool of tools) {
    assertWellFormed(tool, options);
    if (registered.has(tool.name)) throw new ToolDefinitionError(`Duplicate tool name "${tool.name}"`);
    registered.set(tool.name, {
      definition: tool,
      inputJsonSchema: toWireSchema(tool.input, 'input'),
      // A high-risk tool answers with a pending approval; its result comes from get_request_status.
      outputJsonSchema: tool.risk === 'high' ? pendingApprovalWireSchema() : toWireSchema(tool.output, 'output'),
      definitionHash: definitionHash(tool),
    });
  }
  return registered;
}

function assertWellFormed<Deps>(tool: ToolDefinition<z.ZodObject<z.ZodRawShape>, z.ZodObject<z.ZodRawShape>, Deps>, options: ToolSetOptions): void {
  const problem = (text: string) => new ToolDefinitionError(`Tool "${tool.name}": ${text}`);
  if (!TOOL_NAME.test(tool.name)) throw problem('name must be lowercase snake_case (2-64 characters)');
  if (!tool.owner?.trim()) throw problem('an owner (team) is required');
  if (!tool.scope || !SCOPE.test(tool.scope)) throw problem('a scope such as "tickets:read" is required');
  if (!tool.description?.trim()) throw problem('a description is required');
  if (!RISK_LEVELS.includes(tool.risk)) throw problem(`risk must be one of ${RISK_LEVELS.join(', ')}`);
  if (!ACCESS_MODES.includes(tool.access)) throw problem(`access must be one of ${ACCESS_MODES.join(', ')}`);
  if (!CLASSIFICATIONS.includes(tool.classification)) throw problem(`classification must be one of ${CLASSIFICATIONS.join(', ')}`);
  if (!(tool.input instanceof z.ZodObject) || !(tool.output instanceof z.ZodObject)) {
    throw problem('input and output must be zod object schemas');
  }
  if (tool.access === 'write' && options.serverAccess === 'read') {
    throw problem('a write tool cannot be served by a read-only server');
  }
}

let pendingWireSchema: Record<string, unknown> | undefined;

/** What every high-risk tool answers at once; converted once, not per tool or per request. */
export function pendingApprovalWireSchema(): Record<string, unknown> {
  pendingWireSchema ??= toWireSchema(PendingApprovalOutput, 'output');
  return pendingWireSchema;
}

function toWireSchema(schema: z.ZodObject<z.ZodRawShape>, io: 'input' | 'output'): Record<string, unknown> {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
}
