import { randomUUID } from 'node:crypto';
import type { Request, Response, NextFunction } from 'express';
import type { Actor } from '../auth/actor';
import type { Caller } from '../pipeline/call';
import type { GovernedRequest } from '../pipeline/govern-request';

/** What the transport learns about one HTTP request, kept on `res.locals`. */
export interface RequestContext {
  /** Always generated here, so that audit records and logs cannot be given a forged id. */
  readonly requestId: string;
  actor?: Actor;
  governance?: GovernedRequest;
}

/** Gives every request a server-generated id and returns it in `x-request-id`. */
export function requestContext() {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const requestId = randomUUID();
    res.locals.context = { requestId } satisfies RequestContext;
    res.setHeader('x-request-id', requestId);
    next();
  };
}

export function contextOf(res: Response): RequestContext {
  return res.locals.context as RequestContext;
}

/** The verified actor; only valid on routes behind `authenticate`. */
export function actorOf(res: Response): Actor {
  const { actor } = contextOf(res);
  if (!actor) throw new Error('actorOf() called on a route without authentication');
  return actor;
}

/** Where a request came from, as far as the server can tell (the proxies it trusts decide `req.ip`). */
export function originOf(req: Request, requestId: string) {
  return { requestId, ip: req.ip, userAgent: req.header('user-agent')?.slice(0, 256) };
}

/** The authenticated caller of a request: who, and from where. */
export function callerOf(req: Request, res: Response): Caller {
  return { actor: actorOf(res), origin: originOf(req, contextOf(res).requestId) };
}
