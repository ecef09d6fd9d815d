import type { Request, Response, NextFunction } from 'express';
import type { AuditTrail, RequestOrigin } from '../audit/audit-trail';
import type { ServiceConfig } from '../config/service-config';
import type { PolicyProvider } from '../governance/cached-policy';
import { governCall, type ToolCallRequest, type Verdict } from '../governance/govern-call';
import type { ConcurrencyLimiter } from '../limits/concurrency';
import type { RateLimiter } from '../limits/rate-limiter';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics/metrics';
import type { RegisteredTool } from '../tool/tool-set';
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

/**
 * Governs every `tools/call` in the request before the MCP layer sees it, and fixes
 * the set of allowlisted tools the MCP layer may show for this request. Refusals that
 * have an HTTP meaning (403 scope, 429 rate, 503 retry) are answered here; the rest
 * travel to the MCP layer as verdicts, which it honours.
 */
export function governanceGate<Deps>(deps: GateDependencies<Deps>, config: ServiceConfig) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const context = contextOf(res);
    const actor = actorOf(res);
    const policy = await deps.policy.current();
    const allowed = new Map([...deps.tools].filter(([name]) => policy.tools.some((entry) => entry.name === name)));
    const calls = toolCalls(req.body);
    if (new Set(calls.map((call) => callKey(call.id))).size !== calls.length) {
      res.status(400).json({ jsonrpc: '2.0', error: { code: -32600, message: 'Duplicate request ids in batch' }, id: null });
      return;
    }

    const verdicts = new Map<string, Verdict<Deps>>();
    const releaseAll = () => verdicts.forEach((verdict) => verdict.kind === 'run' && verdict.release());
    for (const call of calls) {
      const verdict = await governCall(call, actor, originOf(req, context.requestId), { ...deps, allowed, policy });
      if (verdict.kind === 'http') {
        releaseAll();
        return sendHttpError(res, verdict.error, config);
      }
      verdicts.set(callKey(call.id), verdict);
    }
    res.once('close', releaseAll);
    context.governance = { allowed, verdicts } as GovernedRequest;
    next();
  };
}

/** The per-request governance state the MCP layer reads. */
export interface GovernedRequest {
  allowed: ReadonlyMap<string, RegisteredTool<unknown>>;
  verdicts: Map<string, Verdict>;
}

export function callKey(id: string | number): string {
  return `${typeof id}:${id}`;
}

export function originOf(req: Request, requestId: string): RequestOrigin {
  return { requestId, ip: req.ip, userAgent: req.header('user-agent')?.slice(0, 256) };
}

/** The `tools/call` requests in a JSON-RPC message or batch. */
export function toolCalls(body: unknown): ToolCallRequest[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages.flatMap((message) => {
    if (typeof message !== 'object' || message === null) return [];
    const { method, params, id } = message as { method?: unknown; params?: { name?: unknown; arguments?: unknown }; id?: unknown };
    if (method !== 'tools/call' || (typeof id !== 'string' && typeof id !== 'number')) return [];
    return [{ id, name: typeof params?.name === 'string' ? params.name : '', arguments: params?.arguments }];
  });
}
