/**
 * Errors of the Step Functions API (awsJson1_0): sent as `{"__type": <shape>, "message": ...}`
 * with the status the service model gives the shape (`@aws-sdk/client-sfn`, API version
 * 2016-11-23; every shape used here is a 400 client fault).
 */
const STATUS = {
  ExecutionAlreadyExists: 400,
  ExecutionDoesNotExist: 400,
  InvalidArn: 400,
  InvalidDefinition: 400,
  InvalidExecutionInput: 400,
  InvalidName: 400,
  InvalidOutput: 400,
  InvalidToken: 400,
  StateMachineAlreadyExists: 400,
  StateMachineDoesNotExist: 400,
  StateMachineTypeNotSupported: 400,
  TaskDoesNotExist: 400,
  TaskTimedOut: 400,
  ValidationException: 400,
  /** Not SFN shapes: what AWS JSON front doors answer for no/unknown target, a bad body, no signature, a crash. */
  UnknownOperationException: 400,
  SerializationException: 400,
  MissingAuthenticationTokenException: 403,
  InternalFailure: 500,
} as const;

export type SfnErrorType = keyof typeof STATUS;

export class SfnError extends Error {
  constructor(
    readonly type: SfnErrorType,
    message: string,
  ) {
    super(message);
    this.name = type;
  }

  get status(): number {
    return STATUS[this.type];
  }
}

export function toSfnError(error: unknown): SfnError {
  if (error instanceof SfnError) return error;
  return new SfnError('InternalFailure', `Internal error in the Step Functions test endpoint: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * An error inside an execution, as the States Language names it (`States.Timeout`,
 * `Lambda.ServiceException`, `ApprovalRejected`, ...): what Retry and Catch match on.
 */
export class StatesError extends Error {
  constructor(
    readonly error: string,
    override readonly cause?: string,
  ) {
    super(cause ? `${error}: ${cause}` : error);
    this.name = 'StatesError';
  }
}

/** `States.Runtime`: never retried nor caught; the execution fails. */
export const runtimeError = (cause: string) => new StatesError('States.Runtime', cause);
