import type { Request, Response, NextFunction } from 'express';
import { OriginNotAllowedError } from '../errors/errors';
import type { AnswerContext } from '../errors/error-table';
import type { ServiceConfig } from '../config/service-config';
import { isLoopbackHost, isLoopbackOrigin } from '../config/loopback';
import { sendError } from './send-error';

const ALLOWED_HEADERS = ['authorization', 'content-type', 'accept', 'mcp-protocol-version', 'mcp-session-id', 'mcp-method', 'mcp-name', 'last-event-id', 'x-request-id'];
// 2026-07-28 requests carry their routing parameters as Mcp-Param-<name> headers.
const isAllowedHeader = (name: string) => ALLOWED_HEADERS.includes(name) || name.startsWith('mcp-param-');
const EXPOSED_HEADERS = 'WWW-Authenticate, Mcp-Session-Id, X-Request-Id';

/**
 * DNS-rebinding protection: a request with a browser `Origin` that is not configured
 * as allowed is refused. Requests without `Origin` (non-browser clients) pass. A server bound
 * to loopback also takes loopback origins (a browser-based client on this machine, such as
 * MCP Inspector's web UI): the Host check has already refused any other name for it.
 * Allowed origins get CORS headers, and their preflight is answered here.
 */
export function originGuard(config: ServiceConfig, answers: AnswerContext) {
  const allowed = new Set(config.allowedOrigins);
  const loopbackBind = isLoopbackHost(config.host);
  const isAllowed = (origin: string) => allowed.has(origin) || (loopbackBind && isLoopbackOrigin(origin));
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.header('origin');
    if (origin === undefined) return next();
    if (!isAllowed(origin)) return sendError(res, new OriginNotAllowedError(origin), answers);
    res.set({
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Expose-Headers': EXPOSED_HEADERS,
      Vary: 'Origin',
    });
    if (req.method !== 'OPTIONS') return next();
    const requested = (req.header('access-control-request-headers') ?? '').split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
    const allowHeaders = [...new Set([...ALLOWED_HEADERS, ...requested.filter(isAllowedHeader)])].join(', ');
    res
      .set({ 'Access-Control-Allow-Methods': 'POST, GET, DELETE, OPTIONS', 'Access-Control-Allow-Headers': allowHeaders, 'Access-Control-Max-Age': '600' })
      .status(204)
      .end();
  };
}
