import type { Response } from 'express';
import type { ServiceConfig } from '../config/service-config';
import { answerFor, type AnswerContext } from '../errors/error-table';
import { protectedResourceMetadataUrl } from './protected-resource-metadata';

/** Answers a refusal or failure as the error table says. */
export function sendError(res: Response, error: unknown, answers: AnswerContext): void {
  const answer = answerFor(error, answers);
  res.status(answer.status).set(answer.headers).json(answer.body);
}

/** What the error table needs to know about a service; `unexpected` is how its routes answer a failure nobody expected. */
export function answerContext(config: ServiceConfig, unexpected: AnswerContext['unexpected']): AnswerContext {
  return { resourceMetadataUrl: protectedResourceMetadataUrl(config), issuer: config.auth.issuer, unexpected };
}
