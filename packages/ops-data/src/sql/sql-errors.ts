import { OpsDataError } from '../errors';

/**
 * A statement the database refused, or that is malformed before it was sent. A bug in
 * the server, not the caller's fault: tools show a generic failure and the log has this.
 */
export class SqlStatementError extends Error {
  constructor(
    message: string,
    /** The PostgreSQL SQLSTATE when the database reported one, e.g. `42501` (permission denied). */
    readonly sqlState?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SqlStatementError';
  }
}

/** An executor built for reading was asked to change something; refused before it was sent. */
export class ReadOnlyViolationError extends Error {
  constructor(reason: string) {
    super(`Refused by the read-only executor: ${reason}`);
    this.name = 'ReadOnlyViolationError';
  }
}

/**
 * The database cannot answer now: resuming from auto-pause beyond the retry budget,
 * throttled, or down. Its message is safe to show: callers may retry.
 */
export class DatabaseUnavailableError extends OpsDataError {}

/**
 * The Data API refused the request itself, not the statement: a wrong cluster ARN, the Data
 * API not enabled, a secret it cannot read, or a role without permission. Retrying cannot
 * help; an operator must fix the deployment. Not a tool error: callers see a generic failure
 * with a reference, and the log has this message.
 */
export class DatabaseConfigurationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DatabaseConfigurationError';
  }
}
