/**
 * Every error the kit raises on purpose. Callers branch on the class, never on
 * message text; `http-errors.ts` is the one place that maps them to HTTP answers.
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
  ) {
    super(`Tool "${tool}" requires scope "${requiredScope}"`);
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
    invalid_claims: 'The token lacks required claims',
  };
  return descriptions[reason];
}
