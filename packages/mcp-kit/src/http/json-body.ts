import express, { type RequestHandler } from 'express';
import { InvalidRequestError } from '../errors/errors';

/** How deeply a request body may nest objects and arrays: far beyond any tool's arguments, far below a stack overflow. */
export const MAX_JSON_DEPTH = 64;

/**
 * A JSON body: parsed within `limit`, then refused (400, JSON-RPC -32600) when it nests deeper
 * than {@link MAX_JSON_DEPTH}, before anything walks it recursively (the SDK, zod, the audit
 * trail's canonical JSON).
 */
export function jsonBody(options: { limit: number | string; type?: string }): RequestHandler[] {
  return [
    express.json({ limit: options.limit, ...(options.type ? { type: options.type } : {}) }),
    (req, _res, next) => next(nestsDeeperThan(req.body, MAX_JSON_DEPTH) ? new InvalidRequestError(`Request body nests deeper than ${MAX_JSON_DEPTH} levels`) : undefined),
  ];
}

/** Whether a parsed JSON value has more than `limit` levels of objects and arrays (iterative: safe on any depth). */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}
