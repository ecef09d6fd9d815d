import type { NextFunction, Request, Response } from 'express';
import type { AnswerContext } from '../errors/error-table';
import { InsufficientScopeError } from '../errors/errors';
import { actorOf } from './request-context';
import { sendError } from './send-error';

/** After `authenticate`: the caller's token must carry `scope` (403 with the scope challenge otherwise). */
export function requireScope(scope: string, what: string, answers: AnswerContext) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (actorOf(res).scopes.has(scope)) return next();
    sendError(res, new InsufficientScopeError(what, scope, `The ${what}`), answers);
  };
}
