import type { NextFunction, Request, Response } from 'express';
import type { AnswerContext } from '../errors/error-table';
import { InvalidRequestError, KitError } from '../errors/errors';
import type { Logger } from '../logging/logger';
import { sendError } from './send-error';

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
  message?: string;
}

/**
 * The last handler: a body the parser refused becomes the kit's typed error (413 too large,
 * 400 not JSON, other client errors 400), kit errors are answered as the error table says,
 * and anything else is a logged 500 with no detail.
 */
export function requestErrors(answers: AnswerContext, logger: Logger) {
  return (error: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    const typed = asKitError(error as BodyParserError);
    if (typed instanceof InvalidRequestError) logger.warn('request refused', { status: typed.status, reason: typed.message });
    if (!typed) logger.error('unhandled request error', { error: error as Error });
    sendError(res, typed ?? error, answers);
  };
}

function asKitError(error: BodyParserError): KitError | undefined {
  if (error instanceof KitError) return error;
  if (error.type === 'entity.too.large') return new InvalidRequestError('Request body too large', 413);
  if (error.type === 'entity.parse.failed') return new InvalidRequestError('Parse error: invalid JSON', 400, -32700);
  if (error.expose && error.status !== undefined && error.status >= 400 && error.status < 500) return new InvalidRequestError(`Invalid request: ${error.message}`, error.status);
  return undefined;
}
