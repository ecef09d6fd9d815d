import type { Response } from 'express';
import {
  AuthenticationError,
  IdentityProviderUnavailableError,
  InsufficientScopeError,
  OriginNotAllowedError,
  RateLimitedError,
  TemporarilyUnavailableError,
} from '../errors';
import { bearerChallenge } from '../auth/challenge';
import { ApprovalError } from '../approvals/approvals';
import type { ServiceConfig } from '../config/service-config';

interface HttpAnswer {
  status: number;
  headers?: Record<string, string>;
  body: Record<string, unknown>;
}

/**
 * The one table from kit errors to HTTP answers. Anything not listed is an
 * unexpected failure: 500 with no detail (the detail goes to the log).
 */
export function httpAnswerFor(error: unknown, config: ServiceConfig): HttpAnswer {
  if (error instanceof AuthenticationError) {
    const presented = error.reason !== 'missing_token';
    const description = describe(error, config);
    return {
      status: 401,
      headers: {
        'WWW-Authenticate': bearerChallenge(
          config,
          presented ? { error: 'invalid_token', errorDescription: description } : {},
        ),
      },
      body: { error: presented ? 'invalid_token' : 'unauthorized', error_description: description },
    };
  }
  if (error instanceof ApprovalError) {
    const status = { not_found: 404, conflict: 409, forbidden: 403, invalid: 400 }[error.kind];
    return { status, body: { error: error.kind, error_description: error.message } };
  }
  if (error instanceof InsufficientScopeError) {
    return {
      status: 403,
      headers: {
        'WWW-Authenticate': bearerChallenge(config, {
          error: 'insufficient_scope',
          errorDescription: error.message,
          scope: error.requiredScope,
        }),
      },
      body: { error: 'insufficient_scope', error_description: error.message, scope: error.requiredScope },
    };
  }
  if (error instanceof RateLimitedError) {
    return {
      status: 429,
      headers: { 'Retry-After': String(error.retryAfterSeconds) },
      body: { error: 'rate_limited', error_description: error.message, retry_after: error.retryAfterSeconds },
    };
  }
  if (error instanceof TemporarilyUnavailableError) {
    return {
      status: 503,
      headers: { 'Retry-After': String(error.retryAfterSeconds) },
      body: { error: 'temporarily_unavailable', error_description: error.message, retry_after: error.retryAfterSeconds },
    };
  }
  if (error instanceof OriginNotAllowedError) {
    return { status: 403, body: { error: 'origin_not_allowed', error_description: error.message } };
  }
  if (error instanceof IdentityProviderUnavailableError) {
    return {
      status: 503,
      headers: { 'Retry-After': '5' },
      body: { error: 'temporarily_unavailable', error_description: error.message },
    };
  }
  return { status: 500, body: { error: 'server_error', error_description: 'Internal server error' } };
}

/** Locally, an unknown key almost always means a token minted with another state folder than the running issuer's: say so. */
function describe(error: AuthenticationError, config: ServiceConfig): string {
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(URL.parse(config.auth.issuer)?.hostname ?? '');
  if (error.reason !== 'unknown_key' || !local) return error.message;
  return `${error.message}: the issuer at ${config.auth.issuer} does not publish it (a token from npm run token with another GMCP_STATE_DIR than npm start's?)`;
}

export function sendHttpError(res: Response, error: unknown, config: ServiceConfig): void {
  const answer = httpAnswerFor(error, config);
  res.status(answer.status).set(answer.headers ?? {}).json(answer.body);
}
