import type { z } from 'zod';
import type { Logger } from '../logging/logger';
import type { CursorSeal } from './cursor-seal';
import type { Actor } from '../auth/actor';

export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export const ACCESS_MODES = ['read', 'write'] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

/** Ordered from least to most sensitive. */
export const CLASSIFICATIONS = ['public', 'internal', 'confidential', 'restricted'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

/** What a handler receives besides its validated input. The caller's token is never in it. */
export interface ToolContext<Deps = unknown> {
  readonly actor: Actor;
  readonly requestId: string;
  readonly logger: Logger;
  /** The app's adapters (stores, clients), chosen by configuration when the service is built. */
  readonly deps: Deps;
  /**
   * Set when an approved high-risk request runs: use it as the write's idempotency key, so
   * that the change happens once even if the approval store were tampered with to replay it.
   */
  readonly approvalId?: string;
  /** Seals paging cursors to this caller and server (see `pagingCursor`). */
  readonly cursors: CursorSeal;
}

type AnyObjectSchema = z.ZodObject<z.ZodRawShape>;

/** One thing a change would alter, as an approver reads it: severity SEV2 → SEV1. */
export interface ChangedField {
  readonly field: string;
  readonly current: string | null;
  readonly proposed: string | null;
}

/**
 * What a call acts on, for call policies (Cedar) to decide by: `Ticket::"TCK-1042"` with its
 * team and requester. Read before the decision, as a precheck is; tools that act on the same
 * kind of thing declare the same `type` and `shape`.
 */
export interface ToolResource<Input, Deps> {
  /** The Cedar entity type (PascalCase). */
  readonly type: string;
  /** The attributes policies may read (`resource.team`). */
  readonly shape: AnyObjectSchema;
  /** The resource this call acts on; throw a `ToolError` when there is none (the call is refused with its message). */
  readonly load: (input: Input, ctx: ToolContext<Deps>) => Promise<{ id: string; attributes: Record<string, unknown> }>;
}

/** Everything a feature team declares about a tool. */
export interface ToolSpec<In extends AnyObjectSchema, Out extends AnyObjectSchema, Deps> {
  /** Wire name: lowercase snake_case, unique within a server. */
  name: string;
  title: string;
  /** What the tool does and when to use it; this text steers the assistant. */
  description: string;
  /** The team accountable for the tool. */
  owner: string;
  /** The OAuth scope a caller needs to see and call the tool. */
  scope: string;
  risk: RiskLevel;
  access: AccessMode;
  /** The highest classification of data the tool can return. */
  classification: Classification;
  input: In;
  output: Out;
  handler: (input: z.output<In>, ctx: ToolContext<Deps>) => Promise<z.input<Out>>;
  /**
   * High-risk tools: refuses, before a human is asked to approve, what would fail anyway
   * (the ticket does not exist, the incident is already resolved). Throw a `ToolError`.
   * It may return what the call would change (current and proposed values), which approvers
   * see beside the arguments: it runs again whenever they open the request.
   */
  precheck?: (input: z.output<In>, ctx: ToolContext<Deps>) => Promise<void | readonly ChangedField[]>;
  /** What the call acts on, for call policies; without it the resource is the tool itself (`Tool::"<name>"`). */
  resource?: ToolResource<z.output<In>, Deps>;
  /**
   * `required`: the tool runs only under a call policy that names it, because its declared risk
   * is the lowest it can have and its policies raise it (a missing policy file must not let
   * every call through at that lowest risk). Without it, a tool no policy names keeps the
   * allowlist's decision alone.
   */
  callPolicy?: 'required';
  /** Text rendering of the output for clients that do not read structuredContent; JSON by default. */
  render?: (output: z.output<Out>) => string;
  /** The classification of one result, when it can be lower than `classification`; recorded in the audit trail. */
  classify?: (output: z.output<Out>) => Classification;
  /** Calling twice with the same arguments has no further effect. Defaults to true for reads, false for writes. */
  idempotent?: boolean;
  /** The tool reaches systems outside the company. Defaults to false. */
  openWorld?: boolean;
}

/** MCP tool annotations, derived from the governance fields so they are never written twice. */
export interface ToolAnnotations {
  title: string;
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ToolDefinition<
  In extends AnyObjectSchema = AnyObjectSchema,
  Out extends AnyObjectSchema = AnyObjectSchema,
  Deps = unknown,
> extends ToolSpec<In, Out, Deps> {
  readonly annotations: ToolAnnotations;
}

/**
 * Declares a governed tool: identity, governance metadata, schemas and handler.
 *
 * @example
 * ```ts
 * export const getTicketStatus = defineTool({
 *   name: 'get_ticket_status', title: 'Ticket status',
 *   description: 'Current status, priority and assignee of a ticket',
 *   owner: 'service-desk', scope: 'tickets:read', risk: 'low', access: 'read',
 *   classification: 'internal',
 *   input: z.object({ ticket_id: TicketId }), output: TicketStatus,
 *   handler: async ({ ticket_id }, ctx: ToolContext<OpsDeps>) => ctx.deps.tickets.status(ticket_id),
 * });
 * ```
 * Within an app, {@link toolsFor} fixes `Deps` once for all its tools.
 */
export function defineTool<In extends AnyObjectSchema, Out extends AnyObjectSchema, Deps = unknown>(
  spec: ToolSpec<In, Out, Deps>,
): ToolDefinition<In, Out, Deps> {
  return Object.freeze({ ...spec, annotations: deriveAnnotations(spec) });
}

/**
 * `defineTool` for one server's tools, with the server's dependencies' type fixed: a
 * handler's `ctx.deps` is typed without an annotation.
 *
 * @example
 * ```ts
 * // apps/ops-writer/src/deps.ts
 * export const tool = toolsFor<OpsWriterDeps>();
 * // apps/ops-writer/src/tools/update-ticket.ts
 * export const updateTicket = tool({ name: 'update_ticket', ..., handler: async (input, ctx) => ctx.deps.tickets.update(input) });
 * ```
 */
export function toolsFor<Deps>() {
  return <In extends AnyObjectSchema, Out extends AnyObjectSchema>(spec: ToolSpec<In, Out, Deps>): ToolDefinition<In, Out, Deps> => defineTool(spec);
}

export function deriveAnnotations(spec: Pick<ToolSpec<AnyObjectSchema, AnyObjectSchema, unknown>, 'title' | 'access' | 'risk' | 'idempotent' | 'openWorld'>): ToolAnnotations {
  const readOnly = spec.access === 'read';
  return {
    title: spec.title,
    readOnlyHint: readOnly,
    // A write that is not low risk changes or removes existing state rather than only adding to it.
    destructiveHint: !readOnly && spec.risk !== 'low',
    idempotentHint: spec.idempotent ?? readOnly,
    openWorldHint: spec.openWorld ?? false,
  };
}
