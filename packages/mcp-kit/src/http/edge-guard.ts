import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logging/logger';
import { EDGE_SECRET_HEADER } from '../config/edge-secret';
import type { AnswerContext } from '../errors/error-table';
import { EdgeRefusedError } from '../errors/errors';
import { sendError } from './send-error';

/**
 * When a CDN with a web application firewall fronts the service, the CDN adds a secret
 * header; a request without it went around the firewall (straight to the API's own URL)
 * and is refused before anything else runs. During a rotation two values are accepted (the
 * CDN's configuration and warm functions change at different times). Without a configured
 * secret this is a no-op.
 */
export function edgeGuard(secrets: readonly string[] | undefined, logger: Logger, answers: AnswerContext) {
  const expected = (secrets ?? []).map((secret) => Buffer.from(secret));
  return (req: Request, res: Response, next: NextFunction): void => {
    if (expected.length === 0) return next();
    const presented = Buffer.from(req.header(EDGE_SECRET_HEADER) ?? '');
    const matches = expected.map((secret) => presented.length === secret.length && timingSafeEqual(presented, secret));
    if (!matches.includes(true)) {
      logger.warn('request refused: it did not come through the edge', { path: req.path });
      return sendError(res, new EdgeRefusedError(), answers);
    }
    delete req.headers[EDGE_SECRET_HEADER];
    next();
  };
}
