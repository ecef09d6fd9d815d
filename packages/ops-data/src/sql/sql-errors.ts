import { ToolError } from '@gmcp/mcp-kit';

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
 * throttled, or down. Its message is safe to show: callers see it as a tool error and
 * may retry.
 */
export class DatabaseUnavailableError extends ToolError {}
