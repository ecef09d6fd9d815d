import { bearerChallenge } from './bearer-challenge';
import type {
  CallNotGovernedError} from './errors';
import {
  ApprovalError,
  AuthenticationError,
  EdgeRefusedError,
  IdentityProviderUnavailableError,
  InsufficientScopeError,
  InvalidRequestError,
  MethodNotAllowedError,
  RouteNotFoundError,
  OAuthRequestError,
  OriginNotAllowedError,
  RateLimitedError,
  ServiceStartingError,
  TemporarilyUnavailableError,
  ToolError,
  UnknownToolError,
} from './errors';

/** An HTTP answer: status, headers and JSON body. */
export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** What an answer needs to know about the server that gives it. */
export interface AnswerContext {
  /** Its RFC 9728 metadata URL, which every 401 and 403 challenge points at. */
  resourceMetadataUrl: string;
  /** Its token issuer: a local one (loopback) gets development hints. */
  issuer: string;
  /** How an unexpected failure is answered: as a JSON-RPC error (the MCP endpoint) or an OAuth-style one (the approval API). */
  unexpected: 'jsonrpc' | 'oauth';
}

/** JSON-RPC error codes (JSON-RPC 2.0 §5.1; -32000 is the server-defined range MCP uses). */
export const JSON_RPC = { parseError: -32700, invalidRequest: -32600, invalidParams: -32602, internalError: -32603, serverError: -32000 } as const;

/** How long a caller should wait before retrying, for the errors that say so; the one Retry-After rule. */
export function retryAfterOf(error: unknown): number | undefined {
  if (error instanceof RateLimitedError || error instanceof TemporarilyUnavailableError) return error.retryAfterSeconds;
  if (error instanceof IdentityProviderUnavailableError || error instanceof ServiceStartingError) return 5;
  if (error instanceof OAuthRequestError) return error.retryAfterSeconds;
  return undefined;
}

/**
 * The one table from errors to answers, for every transport: status, headers (the bearer
 * challenge, Retry-After, Allow), body shape. Anything not listed is an unexpected failure:
 * 500 with no detail (the detail goes to the log).
 */
export function answerFor(error: unknown, context: AnswerContext): ErrorAnswer {
  const retryAfter = retryAfterOf(error);
  const headers: Record<string, string> = retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) };
  const oauth = (status: number, code: string, description: string, extra: Record<string, unknown> = {}): ErrorAnswer => ({ status, headers, body: { error: code, error_description: description, ...extra } });
  const jsonRpc = (status: number, code: number, message: string): ErrorAnswer => ({ status, headers, body: { jsonrpc: '2.0', error: { code, message }, id: null } });

  if (error instanceof AuthenticationError) {
    const presented = error.reason !== 'missing_token';
    const description = describeAuthentication(error, context);
    headers['WWW-Authenticate'] = bearerChallenge(context.resourceMetadataUrl, presented ? { error: 'invalid_token', errorDescription: description } : {});
    return oauth(401, presented ? 'invalid_token' : 'unauthorized', description);
  }
  if (error instanceof InsufficientScopeError) {
    headers['WWW-Authenticate'] = bearerChallenge(context.resourceMetadataUrl, { error: 'insufficient_scope', errorDescription: error.message, scope: error.requiredScope });
    return oauth(403, 'insufficient_scope', error.message, { scope: error.requiredScope });
  }
  if (error instanceof RateLimitedError) return oauth(429, 'rate_limited', error.message, { retry_after: error.retryAfterSeconds });
  if (error instanceof TemporarilyUnavailableError) return oauth(503, 'temporarily_unavailable', error.message, { retry_after: error.retryAfterSeconds });
  if (error instanceof IdentityProviderUnavailableError) return oauth(503, 'temporarily_unavailable', error.message);
  if (error instanceof OriginNotAllowedError) return oauth(403, 'origin_not_allowed', error.message);
  if (error instanceof EdgeRefusedError) return oauth(403, 'forbidden', error.message);
  if (error instanceof RouteNotFoundError) return oauth(404, 'not_found', error.message);
  if (error instanceof ApprovalError) return oauth({ not_found: 404, conflict: 409, forbidden: 403, invalid: 400 }[error.kind], error.kind, error.message);
  if (error instanceof OAuthRequestError) return oauth(error.status, error.code, error.message);
  if (error instanceof InvalidRequestError) return jsonRpc(error.status, error.jsonRpcCode, error.message);
  if (error instanceof MethodNotAllowedError) return { ...jsonRpc(405, JSON_RPC.serverError, error.message), headers: { ...headers, Allow: error.allow } };
  if (error instanceof ServiceStartingError) return jsonRpc(503, JSON_RPC.internalError, error.message);
  return context.unexpected === 'jsonrpc' ? jsonRpc(500, JSON_RPC.internalError, 'Internal error') : oauth(500, 'server_error', 'Internal server error');
}

/** The JSON-RPC error a refusal inside the MCP layer becomes (the SDK adapter throws it as a protocol error). */
export function jsonRpcErrorFor(error: UnknownToolError | CallNotGovernedError): { code: number; message: string } {
  return { code: error instanceof UnknownToolError ? JSON_RPC.invalidParams : JSON_RPC.internalError, message: error.message };
}

/**
 * What a caller reads when a tool fails: a {@link ToolError}'s own message (written to be
 * disclosed), or for anything else a generic line with a reference to the log entry.
 */
export function toolErrorFor(error: unknown, call: { tool: string; requestId: string }): { text: string; outcome: 'tool_error' | 'internal_error' } {
  if (error instanceof ToolError) return { text: error.message, outcome: 'tool_error' };
  return { text: `Tool ${call.tool} failed unexpectedly. Reference: ${call.requestId}`, outcome: 'internal_error' };
}

/** Locally, an unknown key almost always means a token minted with another state folder than the running issuer's: say so. */
function describeAuthentication(error: AuthenticationError, context: AnswerContext): string {
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(URL.parse(context.issuer)?.hostname ?? '');
  if (error.reason !== 'unknown_key' || !local) return error.message;
  return `${error.message}: the issuer at ${context.issuer} does not publish it (a token from npm run token with another GMCP_STATE_DIR than npm start's?)`;
}
