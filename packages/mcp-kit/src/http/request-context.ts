import { randomUUID } from 'node:crypto';
import type { Request, Response, NextFunction } from 'express';
import type { Actor } from '../auth/actor';
import type { GovernedRequest } from './governance-gate';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

/** What the pipeline learns about one HTTP request, kept on `res.locals`. */
export interface RequestContext {
  readonly requestId: string;
  actor?: Actor;
  governance?: GovernedRequest;
}

/** Gives every request an id (a well-formed inbound `x-request-id` is kept) and echoes it. */
export function requestContext() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const inbound = req.header('x-request-id');
    const requestId = inbound && REQUEST_ID.test(inbound) ? inbound : randomUUID();
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
