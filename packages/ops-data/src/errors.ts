/**
 * What the ops data layer refuses, in its own terms: it knows nothing of MCP. Apps map
 * these at their boundary (their server's `mapError`); the messages are safe to show to the
 * caller.
 */
export class OpsDataError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The ticket or incident a change names does not exist. Nothing changed. */
export class RecordNotFoundError extends OpsDataError {}

/** The change cannot be made as asked (nothing to change, already closed, a reused idempotency key). Nothing changed. */
export class ChangeRefusedError extends OpsDataError {}

/** A database variable is missing or malformed; `variables` names which. */
export class DatabaseEnvError extends Error {
  constructor(
    message: string,
    readonly variables: readonly string[],
  ) {
    super(message);
    this.name = 'DatabaseEnvError';
  }
}
