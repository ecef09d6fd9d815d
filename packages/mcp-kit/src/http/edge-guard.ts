import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logging/logger';

export const EDGE_SECRET_HEADER = 'x-gmcp-edge-secret';

/**
 * When a CDN with a web application firewall fronts the service, the CDN adds a secret
 * header; a request without it went around the firewall (straight to the API's own URL)
 * and is refused before anything else runs. Without a configured secret this is a no-op.
 */
export function edgeGuard(secret: string | undefined, logger: Logger) {
  const expected = secret === undefined ? undefined : Buffer.from(secret);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!expected) return next();
    const presented = Buffer.from(req.header(EDGE_SECRET_HEADER) ?? '');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      logger.warn('request refused: it did not come through the edge', { path: req.path });
      res.status(403).json({ error: 'forbidden', error_description: 'Requests must come through the service URL' });
      return;
    }
    delete req.headers[EDGE_SECRET_HEADER];
    next();
  };
}
