import type { Actor } from '../auth/actor';
import type { RequestOrigin } from '../audit/audit-trail';
import type { KitError } from '../errors/errors';
import type { Slot } from '../limits/concurrency';
import type { RegisteredTool } from '../tool/tool-set';
import type { ToolContext } from '../tool/define-tool';
import type { CursorSeals } from '../tool/cursor-seal';
import type { Logger } from '../logging/logger';

/** One `tools/call` as it arrived. */
export interface ToolCallRequest {
  id: string | number;
  name: string;
  arguments: unknown;
}

/** Who is calling, and from where: what every record of a call says. */
export interface Caller {
  readonly actor: Actor;
  readonly origin: RequestOrigin;
}

/** What the decisions taken before the SDK concluded for one call. */
export type Verdict<Deps = unknown> =
  /** Allowed: the write-ahead record is written; run exactly this input while holding the slot. */
  | RunVerdict<Deps>
  /** Refused in-band (MCP error or tool error), so the client and model see it in the protocol. */
  | { kind: 'refuse_unknown'; name: string }
  | { kind: 'refuse_invalid'; message: string }
  /** Refused at the HTTP layer with a status the error table maps. */
  | { kind: 'http'; error: KitError };

export interface RunVerdict<Deps = unknown> {
  kind: 'run';
  callId: string;
  tool: RegisteredTool<Deps>;
  input: unknown;
  /** The input as records show it (sensitive fields redacted). */
  auditArguments: unknown;
  /** The call policies that permitted it, when its tool has any. */
  policies?: readonly string[];
  slot: Slot;
}

/** The MCP `tools/call` result shape the kit produces. */
export interface ToolCallResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** What a tool's handler (and its resource loader) runs with for this caller: never the token. */
export function toolContextFor<Deps>(caller: Caller, deps: { logger: Logger; deps: Deps; cursors: CursorSeals }): ToolContext<Deps> {
  return { actor: caller.actor, requestId: caller.origin.requestId, logger: deps.logger, deps: deps.deps, cursors: deps.cursors(caller.actor.subject) };
}

export function toolErrorResult(text: string): ToolCallResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/** Unknown names come from the caller: keep records bounded and printable. */
export function sanitizeToolName(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '?').slice(0, 128);
}
