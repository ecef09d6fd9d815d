import { randomUUID } from 'node:crypto';
import type { Request, Response, NextFunction } from 'express';
import type { Actor } from '../auth/actor';
import type { GovernedRequest } from './governance-gate';

/** What the pipeline learns about one HTTP request, kept on `res.locals`. */
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
