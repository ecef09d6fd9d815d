import type { Request, Response, NextFunction } from 'express';
import { AuthenticationError } from '../errors/errors';
import type { AnswerContext } from '../errors/error-table';
import type { Logger } from '../logging/logger';
import type { Actor } from '../auth/actor';
import type { AuditTrail } from '../audit/audit-trail';
import { METRIC, type Metrics } from '../metrics/metrics';
import { createMemoryRateLimiter } from '../limits/memory-rate-limiter';
import { JWT_STRATEGY, toKitAuthError, type JwtPassport } from '../auth/jwt-strategy';
import { contextOf, originOf } from './request-context';
import { sendError } from './send-error';

const BEARER = /^Bearer\s+\S+$/i;

/**
 * Unauthenticated callers must not be able to drive audit-store writes without bound:
 * beyond this many records per source address and minute, failures are only counted.
 */
const AUTH_FAILURE_RECORDS = { requests: 30, window_seconds: 60 };

export interface AuthenticateDependencies {
  server: string;
  passport: JwtPassport;
  answers: AnswerContext;
  audit: AuditTrail;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Requires a valid bearer token and puts the verified actor on the request context.
 * Refusals are audited without an actor (nothing about the caller can be trusted)
 * so that spikes can be alarmed on.
 */
export function authenticate({ server, passport, answers, audit, metrics, logger }: AuthenticateDependencies) {
  const recordBudget = createMemoryRateLimiter();
  return (req: Request, res: Response, next: NextFunction): void => {
    const refuse = async (error: unknown) => {
      const { requestId } = contextOf(res);
      const reason = error instanceof AuthenticationError ? error.reason : 'unavailable';
      if (reason === 'missing_token') {
        metrics.count(METRIC.authChallenges, { server });
        logger.info('no token: answered with the sign-in challenge', { requestId });
      } else {
        metrics.count(METRIC.authFailures, { server, reason });
        if (error instanceof AuthenticationError) logger.warn('authentication refused', { requestId, reason });
        else logger.error('authentication could not be performed', { requestId, error: error as Error });
      }
      const origin = originOf(req, requestId);
      if ((await recordBudget.consume(`ip:${origin.ip}`, AUTH_FAILURE_RECORDS)).allowed) {
        await audit.record({ event: 'auth_failed', decision: 'denied', reason: `authentication:${reason}`, origin }).catch(() => undefined);
      } else {
        metrics.count(METRIC.authFailuresNotRecorded, { server });
      }
      sendError(res, error, answers);
    };
    if (!BEARER.test(req.header('authorization') ?? '')) return void refuse(new AuthenticationError('missing_token'));

    passport.authenticate(JWT_STRATEGY, { session: false }, (error: unknown, actor: Actor | false, info: unknown) => {
      if (error) return void refuse(error);
      if (!actor) return void refuse(toKitAuthError(info));
      contextOf(res).actor = actor;
      // Nothing past this point needs the token; keep it away from the SDK and handlers.
      delete req.headers.authorization;
      next();
    })(req, res, next);
  };
}
