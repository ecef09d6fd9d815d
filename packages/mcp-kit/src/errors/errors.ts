/**
 * Every error the kit raises on purpose. Callers branch on the class, never on
 * message text; `error-table.ts` is the one place that maps them to answers.
 */
export class KitError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A service's configuration is invalid; raised at start-up, naming the variable. */
export class ConfigError extends KitError {
  constructor(
    message: string,
    readonly variables: readonly string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A tool definition or tool set breaks a guard rail; raised at start-up. */
export class ToolDefinitionError extends KitError {}

/** Why a bearer token was refused. Stable values: they end up in logs and audit records. */
export type AuthenticationFailure =
  | 'missing_token'
  | 'malformed_token'
  | 'algorithm_not_allowed'
  | 'unknown_key'
  | 'invalid_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'several_audiences'
  | 'invalid_subject'
  | 'invalid_claims';

/** The request carries no acceptable bearer token (HTTP 401). */
export class AuthenticationError extends KitError {
  constructor(
    readonly reason: AuthenticationFailure,
    options?: ErrorOptions,
  ) {
    super(describeAuthenticationFailure(reason), options);
  }
}

/** The issuer's signing keys cannot be fetched, so no token can be checked (HTTP 503). */
export class IdentityProviderUnavailableError extends KitError {}

/** The caller is authenticated but lacks the scope a tool requires (HTTP 403). */
export class InsufficientScopeError extends KitError {
  constructor(
    readonly tool: string,
    readonly requiredScope: string,
    /** What needs the scope, when it is not a tool (`the approval API`, `the metrics endpoint`). */
    what = `Tool "${tool}"`,
  ) {
    super(`${what} requires scope "${requiredScope}"`);
  }
}

/** Too many calls for a configured limit (HTTP 429 with Retry-After). */
export class RateLimitedError extends KitError {
  constructor(
    readonly tool: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`Rate limit reached for tool "${tool}"; retry in ${retryAfterSeconds}s`);
  }
}

/**
 * The server cannot take the call right now but will soon (HTTP 503 with Retry-After):
 * too many calls in flight, or a store the call depends on (audit trail, counters)
 * cannot be written. Nothing ran.
 */
export class TemporarilyUnavailableError extends KitError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A browser Origin that is not configured as allowed (HTTP 403). */
export class OriginNotAllowedError extends KitError {
  constructor(readonly origin: string) {
    super(`Origin ${origin} is not allowed`);
  }
}

/**
 * A failure a tool handler reports on purpose. Its message is shown to the
 * caller as a tool error, so it must be safe to disclose.
 */
export class ToolError extends KitError {}

/** The thing a tool was asked about does not exist. */
export class NotFoundError extends ToolError {}

/** Arguments failed the tool's input schema; the handler was not run. */
export class ToolInputError extends ToolError {
  constructor(
    readonly tool: string,
    readonly issues: readonly string[],
  ) {
    super(`Invalid arguments for tool ${tool}: ${issues.join('; ')}`);
  }
}

/** A decision on an approval request that cannot be taken (HTTP 404, 409, 403 or 400 at the approval API). */
export class ApprovalError extends ToolError {
  constructor(
    message: string,
    readonly kind: 'not_found' | 'conflict' | 'forbidden' | 'invalid' = 'conflict',
  ) {
    super(message);
  }
}

/** A request the kit refuses before any MCP processing, for its form (HTTP 4xx, a JSON-RPC error). */
export class InvalidRequestError extends KitError {
  constructor(
    message: string,
    /** A 4xx status: 400, 413 too large, 415 an encoding the server cannot decode. */
    readonly status: number = 400,
    /** -32700 for a body that is not JSON, -32600 for any other malformed request. */
    readonly jsonRpcCode: -32600 | -32700 = -32600,
  ) {
    super(message);
  }
}

/** A method the stateless endpoint does not serve (HTTP 405): there is no stream to GET and no session to DELETE. */
export class MethodNotAllowedError extends KitError {
  constructor(readonly allow: string) {
    super('Method not allowed: this server is stateless; use POST.');
  }
}

/** No route answers this method and path (HTTP 404, as JSON like every other refusal). */
export class RouteNotFoundError extends KitError {
  constructor(method: string, path: string) {
    super(`No route for ${method} ${path}`);
  }
}

/** A request that did not come through the edge (CDN and firewall) in front of the service (HTTP 403). */
export class EdgeRefusedError extends KitError {
  constructor() {
    super('Requests must come through the service URL');
  }
}

/** The service could not start (its keys, its stores): nothing runs, and the caller may retry (HTTP 503). */
export class ServiceStartingError extends KitError {
  constructor(options?: ErrorOptions) {
    super('Service temporarily unavailable', options);
  }
}

/** An OAuth request the authorization façade refuses, with the RFC's error code (`invalid_request`, `invalid_client`…). */
export class OAuthRequestError extends KitError {
  constructor(
    readonly status: 400 | 401 | 503,
    readonly code: string,
    description: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(description);
  }
}

/** A `tools/call` naming a tool this caller cannot see (unknown, not allowlisted, not pinned): a JSON-RPC error, as the protocol says. */
export class UnknownToolError extends KitError {
  constructor(readonly tool: string) {
    super(`Unknown tool: ${tool}`);
  }
}

/** A call that reached the MCP layer without a governance verdict: refused, never run (fail closed). */
export class CallNotGovernedError extends KitError {
  constructor() {
    super('Tool call was not governed');
  }
}

function describeAuthenticationFailure(reason: AuthenticationFailure): string {
  const descriptions: Record<AuthenticationFailure, string> = {
    missing_token: 'A bearer token is required',
    malformed_token: 'The token is not a well-formed JWT',
    algorithm_not_allowed: 'The token is signed with an algorithm that is not allowed',
    unknown_key: 'The token is signed with an unknown key',
    invalid_signature: 'The token signature is invalid',
    expired: 'The token has expired',
    not_yet_valid: 'The token is not valid yet',
    invalid_issuer: 'The token was issued by an untrusted issuer',
    invalid_audience: 'The token was issued for another resource',
    several_audiences: 'The token names several audiences; this server takes only a token issued for it alone',
    invalid_subject: 'The token subject is not in canonical form (surrounding spaces, control or invisible characters, or not NFC)',
    invalid_claims: 'The token lacks required claims',
  };
  return descriptions[reason];
}
