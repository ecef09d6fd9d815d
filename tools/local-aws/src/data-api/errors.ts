/**
 * Errors of the RDS Data API (restJson1): the HTTP status each one is modelled with in
 * `@aws-sdk/client-rds-data` (API version 2018-08-01), sent with an `x-amzn-ErrorType`
 * header naming the shape and a `{"message": ...}` body.
 */
const STATUS = {
  BadRequestException: 400,
  DatabaseErrorException: 400,
  DatabaseResumingException: 400,
  ForbiddenException: 403,
  HttpEndpointNotEnabledException: 400,
  InternalServerErrorException: 500,
  SecretsErrorException: 400,
  UnsupportedResultException: 400,
  /** Not an RDS Data shape: what AWS front doors answer for a path that names no operation. */
  UnknownOperationException: 404,
} as const;

export type DataApiErrorType = keyof typeof STATUS;

export class DataApiError extends Error {
  constructor(
    readonly type: DataApiErrorType,
    message: string,
  ) {
    super(message);
    this.name = type;
  }

  get status(): number {
    return STATUS[this.type];
  }
}

export const badRequest = (message: string) => new DataApiError('BadRequestException', message);

/** What PGlite throws for an error the database reported (a pg-protocol DatabaseError). */
export interface PostgresError extends Error {
  severity?: string;
  code?: string;
  position?: string;
}

export function isPostgresError(error: unknown): error is PostgresError {
  return error instanceof Error && typeof (error as PostgresError).code === 'string' && typeof (error as PostgresError).severity === 'string';
}

/**
 * The database's own error, as Aurora Serverless v2 / provisioned clusters report it: a
 * DatabaseErrorException whose message is `ERROR: <message>[; Position: <n>]; SQLState: <code>`
 * (observed in the wild, e.g. "ERROR: update or delete on table ... violates foreign key
 * constraint ...; SQLState: 23503"; Detail and Hint are not included). BadRequestException
 * is the Aurora Serverless v1 answer and is marked deprecated in the service model.
 */
export function fromPostgresError(error: PostgresError): DataApiError {
  const position = error.position ? `; Position: ${error.position}` : '';
  return new DataApiError('DatabaseErrorException', `${error.severity ?? 'ERROR'}: ${error.message}${position}; SQLState: ${error.code}`);
}

export function toDataApiError(error: unknown): DataApiError {
  if (error instanceof DataApiError) return error;
  if (isPostgresError(error)) return fromPostgresError(error);
  return new DataApiError('InternalServerErrorException', `Internal error in the Data API test endpoint: ${error instanceof Error ? error.message : String(error)}`);
}
