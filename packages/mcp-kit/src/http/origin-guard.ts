import type { Request, Response, NextFunction } from 'express';
import { OriginNotAllowedError } from '../errors';
import type { ServiceConfig } from '../config/service-config';
import { sendHttpError } from './http-errors';

const ALLOWED_HEADERS = 'Authorization, Content-Type, Accept, Mcp-Protocol-Version, Mcp-Session-Id, Last-Event-ID, X-Request-Id';
const EXPOSED_HEADERS = 'WWW-Authenticate, Mcp-Session-Id, X-Request-Id';

/**
 * DNS-rebinding protection: a request with a browser `Origin` that is not configured
 * as allowed is refused. Requests without `Origin` (non-browser clients) pass.
 * Allowed origins get CORS headers, and their preflight is answered here.
 */
export function originGuard(config: ServiceConfig) {
  const allowed = new Set(config.allowedOrigins);
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.header('origin');
    if (origin === undefined) return next();
    if (!allowed.has(origin)) return sendHttpError(res, new OriginNotAllowedError(origin), config);
    res.set({
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Expose-Headers': EXPOSED_HEADERS,
      Vary: 'Origin',
    });
    if (req.method !== 'OPTIONS') return next();
    res
      .set({ 'Access-Control-Allow-Methods': 'POST, GET, DELETE, OPTIONS', 'Access-Control-Allow-Headers': ALLOWED_HEADERS, 'Access-Control-Max-Age': '600' })
      .status(204)
      .end();
  };
}
