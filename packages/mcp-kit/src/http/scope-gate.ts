import type { Request, Response, NextFunction } from 'express';
import { InsufficientScopeError } from '../errors';
import type { ServiceConfig } from '../config/service-config';
import type { RegisteredTool } from '../tool/tool-set';
import { actorOf } from './request-context';
import { sendHttpError } from './http-errors';

/**
 * Refuses a `tools/call` for a tool whose scope the caller lacks with HTTP 403 and an
 * `insufficient_scope` challenge naming the scope, so that clients can step up.
 * Runs before the MCP layer, so the tool's handler is never reached.
 */
export function scopeGate(tools: ReadonlyMap<string, RegisteredTool<unknown>>, config: ServiceConfig) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const actor = actorOf(res);
    for (const name of calledToolNames(req.body)) {
      const tool = tools.get(name);
      if (tool && !actor.scopes.has(tool.definition.scope)) {
        return sendHttpError(res, new InsufficientScopeError(name, tool.definition.scope), config);
      }
    }
    next();
  };
}

/** Names of the tools a JSON-RPC message (or batch) calls. */
export function calledToolNames(body: unknown): string[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages.flatMap((message) => {
    if (typeof message !== 'object' || message === null) return [];
    const { method, params } = message as { method?: unknown; params?: { name?: unknown } };
    return method === 'tools/call' && typeof params?.name === 'string' ? [params.name] : [];
  });
}
