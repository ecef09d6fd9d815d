import type { Request, Response, NextFunction } from 'express';
import { isJSONRPCRequest } from '@modelcontextprotocol/server';
import type { Actor } from '../auth/actor';
import type { AuditTrail, RequestOrigin } from '../audit/audit-trail';
import type { ServiceConfig } from '../config/service-config';
import type { PolicyProvider } from '../governance/cached-policy';
import { governCall, recordDenial, sanitizeToolName, type ToolCallRequest, type Verdict } from '../governance/govern-call';
import type { ConcurrencyLimiter } from '../limits/concurrency';
import type { RateLimiter } from '../limits/rate-limiter';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics/metrics';
import type { RegisteredTool } from '../tool/tool-set';
import { pinnedAllowlist } from '../governance/pinned-allowlist';
import { actorOf, contextOf } from './request-context';
import { sendHttpError } from './http-errors';

export interface GateDependencies<Deps> {
  server: string;
  tools: ReadonlyMap<string, RegisteredTool<Deps>>;
  policy: PolicyProvider;
  audit: AuditTrail;
  rateLimiter: RateLimiter;
  concurrency: ConcurrencyLimiter;
  metrics: Metrics;
  logger: Logger;
}

/** The per-request governance state the MCP layer reads. */
export interface GovernedRequest {
  allowed: ReadonlyMap<string, RegisteredTool<unknown>>;
  verdicts: Map<string, Verdict>;
}

/**
 * Governs every `tools/call` in the request before the MCP layer sees it, and fixes
 * the set of allowlisted tools the MCP layer may show for this request. Refusals that
 * have an HTTP meaning (403 scope, 429 rate, 503 retry) are answered here; the rest
 * travel to the MCP layer as verdicts, which it honours. An allowed call that never
 * reaches its handler gets a `tool_not_run` record when the response ends.
 */
export function governanceGate<Deps>(deps: GateDependencies<Deps>, config: ServiceConfig) {
  const allowlistOf = pinnedAllowlist(deps.tools, deps);
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const context = contextOf(res);
    const actor = actorOf(res);
    const origin = originOf(req, context.requestId);
    const verdicts = new Map<string, Verdict<Deps>>();
    // Registered first, so that a client that goes away while calls are governed cannot strand a slot.
    let closed = false;
    const settle = () => abandonUnrun(verdicts, origin, actor, deps);
    res.once('close', () => {
      closed = true;
      void settle();
    });

    const policy = await deps.policy.current();
    const { allowed, refused } = allowlistOf(policy);
    const calls = toolCalls(req.body);
    if (Array.isArray(req.body) && calls.length > 0) {
      // JSON-RPC batches were dropped from MCP in 2025-06-18; tool calls are never batched here.
      for (const call of calls) {
        await recordDenial({ origin, actor, callId: String(call.id), tool: sanitizeToolName(call.name), reason: 'batch_not_supported' }, undefined, deps);
      }
      res.status(400).json({ jsonrpc: '2.0', error: { code: -32600, message: 'Batched tools/call requests are not supported' }, id: null });
      return;
    }

    for (const call of calls) {
      const verdict = await governCall(call, actor, origin, { ...deps, allowed, refused, policy });
      verdicts.set(callKey(call.id), verdict);
      if (verdict.kind === 'http') return sendHttpError(res, verdict.error, config);
    }
    if (closed) return settle(); // the client is gone: give back what was allowed and record it as not run
    context.governance = { allowed, verdicts } as GovernedRequest;
    next();
  };
}

async function abandonUnrun<Deps>(
  verdicts: Map<string, Verdict<Deps>>,
  origin: RequestOrigin,
  actor: Actor,
  deps: GateDependencies<Deps>,
): Promise<void> {
  for (const [key, verdict] of verdicts) {
    if (verdict.kind !== 'run' || verdict.slot.released) continue;
    verdict.slot.release();
    verdicts.delete(key);
    await deps.audit
      .record({
        event: 'tool_not_run',
        decision: 'allowed',
        reason: 'not_run',
        origin,
        actor,
        callId: verdict.callId,
        tool: verdict.tool.definition.name,
        risk: verdict.tool.definition.risk,
        arguments: verdict.auditArguments,
      })
      .catch(() => undefined);
  }
}

export function callKey(id: string | number): string {
  return `${typeof id}:${id}`;
}

export function originOf(req: Request, requestId: string): RequestOrigin {
  return { requestId, ip: req.ip, userAgent: req.header('user-agent')?.slice(0, 256) };
}

/**
 * The `tools/call` requests in a JSON-RPC message or batch — only messages the SDK itself
 * accepts as requests, so that the gate and the protocol layer agree on what will run.
 */
export function toolCalls(body: unknown): ToolCallRequest[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages.flatMap((message) => {
    if (!isJSONRPCRequest(message) || message.method !== 'tools/call') return [];
    const params = message.params as { name?: unknown; arguments?: unknown } | undefined;
    return [{ id: message.id, name: typeof params?.name === 'string' ? params.name : '', arguments: params?.arguments }];
  });
}
