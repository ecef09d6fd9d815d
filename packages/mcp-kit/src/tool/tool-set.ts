import { z } from 'zod';
import { ToolDefinitionError, type ToolError } from '../errors/errors';
import { ACCESS_MODES, CLASSIFICATIONS, RISK_LEVELS, type AccessMode, type ToolDefinition } from './define-tool';
import { PendingApprovalOutput } from './pending-approval';
import { definitionHash, wireSchemasOf } from './definition-hash';

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
  /** The server's translation of its domain errors into what the caller may read (see {@link ToolSetOptions.mapError}). */
  readonly mapError?: ErrorMapper;
}

/** Turns an app's own error into a {@link ToolError} the caller may read; `undefined` leaves it a generic failure. */
export type ErrorMapper = (error: unknown) => ToolError | undefined;

export interface ToolSetOptions {
  /** `read` servers refuse to start with a write tool. */
  serverAccess: AccessMode;
  /** Applied to what a handler or precheck throws before the kit answers it. */
  mapError?: ErrorMapper;
}

/**
 * Checks a server's tools against the guard rails and prepares them for serving.
 * Fails at start-up with a message naming the tool, never at call time.
 */
export function createToolSet<Deps>(
  tools: readonly ToolDefinition<z.ZodObject<z.ZodRawShape>, z.ZodObject<z.ZodRawShape>, Deps>[],
  options: ToolSetOptions,
): ReadonlyMap<string, RegisteredTool<Deps>> {
  assertToolSet(tools, options);
  const registered = new Map<string, RegisteredTool<Deps>>();
  for (const tool of tools) {
    // Converted once: what tools/list shows is what the allowlist pins.
    const schemas = wireSchemasOf(tool);
    registered.set(tool.name, {
      definition: tool,
      inputJsonSchema: schemas.input,
      // A high-risk tool answers with a pending approval; its result comes from get_request_status.
      outputJsonSchema: tool.risk === 'high' ? pendingApprovalWireSchema() : schemas.output,
      definitionHash: definitionHash(tool, schemas),
      mapError: options.mapError,
    });
  }
  return registered;
}

/** The guard rails alone (no wire schemas): what a server's declaration is checked against before its adapters are built. */
export function assertToolSet<Deps>(tools: readonly ToolDefinition<z.ZodObject<z.ZodRawShape>, z.ZodObject<z.ZodRawShape>, Deps>[], options: Pick<ToolSetOptions, 'serverAccess'>): void {
  const names = new Set<string>();
  for (const tool of tools) {
    assertWellFormed(tool, options);
    if (names.has(tool.name)) throw new ToolDefinitionError(`Duplicate tool name "${tool.name}"`);
    names.add(tool.name);
  }
}

/** What the app's code threw, as the kit answers it: the server's mapping first. */
export function appError(tool: Pick<RegisteredTool<never>, 'mapError'>, error: unknown): unknown {
  return tool.mapError?.(error) ?? error;
}

function assertWellFormed<Deps>(tool: ToolDefinition<z.ZodObject<z.ZodRawShape>, z.ZodObject<z.ZodRawShape>, Deps>, options: Pick<ToolSetOptions, 'serverAccess'>): void {
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
  pendingWireSchema ??= z.toJSONSchema(PendingApprovalOutput, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  return pendingWireSchema;
}
