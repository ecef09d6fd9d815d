import type { Request, Response, NextFunction } from 'express';
import { AuthenticationError } from '../errors';
import type { ServiceConfig } from '../config/service-config';
import type { Logger } from '../logging/logger';
import type { Actor } from '../auth/actor';
import { JWT_STRATEGY, toKitAuthError, type JwtPassport } from '../auth/jwt-strategy';
import { contextOf } from './request-context';
import { sendHttpError } from './http-errors';

const BEARER = /^Bearer\s+\S+$/i;

/** Requires a valid bearer token; puts the verified actor on the request context. */
export function authenticate(passport: JwtPassport, config: ServiceConfig, logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const refuse = (error: unknown) => {
      logger.warn('authentication refused', { requestId: contextOf(res).requestId, reason: (error as AuthenticationError).reason, error: String(error) });
      sendHttpError(res, error, config);
    };
    if (!BEARER.test(req.header('authorization') ?? '')) return refuse(new AuthenticationError('missing_token'));

    passport.authenticate(JWT_STRATEGY, { session: false }, (error: unknown, actor: Actor | false, info: unknown) => {
      if (error) return refuse(error);
      if (!actor) return refuse(toKitAuthError(info));
      contextOf(res).actor = actor;
      next();
    })(req, res, next);
  };
}
