import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RollbackTransactionCommand,
  type RDSDataClient,
} from '@aws-sdk/client-rds-data';
import type { OpsDataLogger } from '../support/logger';
import { toSqlParameters } from './data-api-parameters';
import { DatabaseConfigurationError, DatabaseUnavailableError, SqlStatementError } from './sql-errors';
import type { QueryResult, Row, SqlExecutor, SqlSession } from './sql-executor';
import type { Statement } from './statement';

export interface DataApiTarget {
  /** The Aurora cluster's ARN. */
  readonly resourceArn: string;
  /** The Secrets Manager secret of this server's own database login; it fixes the role. */
  readonly secretArn: string;
  readonly database: string;
}

export interface ResumeRetry {
  /** How long to keep retrying while an auto-paused cluster resumes (it takes ~15 s). */
  readonly budgetMs: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RESUME_RETRY: ResumeRetry = { budgetMs: 25_000, initialDelayMs: 250, maxDelayMs: 4_000 };

export interface DataApiExecutorOptions extends DataApiTarget {
  readonly client: RDSDataClient;
  readonly retry?: ResumeRetry;
  readonly logger?: OpsDataLogger;
}

/**
 * The Aurora adapter: one HTTPS call per statement through the RDS Data API, no connections.
 * Give it a client built with `maxAttempts: 1`: the SDK's own retries re-send a statement
 * after a timeout or a 5xx, when it may already have run; this adapter retries only what
 * certainly did not run (a resuming cluster).
 */
export function createDataApiExecutor(options: DataApiExecutorOptions): SqlExecutor {
  const { client, resourceArn, secretArn, database } = options;
  const target = { resourceArn, secretArn, database };
  const call = <T>(what: string, send: () => Promise<T>) => withResumeRetry(what, send, options.retry ?? DEFAULT_RESUME_RETRY, options.logger);

  const execute = async (statement: Statement, transactionId?: string): Promise<QueryResult> => {
    const output = await call('statement', () =>
      client.send(
        new ExecuteStatementCommand({ ...target, sql: statement.sql, parameters: toSqlParameters(statement), formatRecordsAs: 'JSON', transactionId }),
      ),
    );
    return { rows: parseRecords(output.formattedRecords), rowsAffected: output.numberOfRecordsUpdated ?? 0 };
  };

  return {
    query: (statement) => execute(statement),
    transaction: async (work) => {
      const { transactionId } = await call('begin transaction', () => client.send(new BeginTransactionCommand(target)));
      if (!transactionId) throw new SqlStatementError('BeginTransaction returned no transaction id');
      const session: SqlSession = { query: (statement) => execute(statement, transactionId) };
      try {
        const result = await work(session);
        await call('commit', () => client.send(new CommitTransactionCommand({ resourceArn, secretArn, transactionId })));
        return result;
      } catch (error) {
        await client.send(new RollbackTransactionCommand({ resourceArn, secretArn, transactionId })).catch((rollbackError: unknown) => {
          // The service rolls back an abandoned transaction itself after its timeout.
          options.logger?.warn('Data API rollback failed', { transactionId, error: rollbackError as Error });
        });
        throw error;
      }
    },
    close: async () => client.destroy(),
  };
}

function parseRecords(formattedRecords: string | undefined): Row[] {
  if (formattedRecords === undefined || formattedRecords === '') return [];
  const rows: unknown = JSON.parse(formattedRecords);
  if (!Array.isArray(rows)) throw new SqlStatementError('The Data API returned records that are not a JSON array');
  return rows as Row[];
}

const RESUMING = 'DatabaseResumingException';
/** The database refused the statement: Aurora Serverless v2 says DatabaseErrorException, older engines BadRequestException. */
const STATEMENT_REFUSED = new Set(['DatabaseErrorException', 'BadRequestException']);
/** The service's answers that mean "not now", as opposed to "not this statement". */
const UNAVAILABLE = new Set(['ServiceUnavailableError', 'InternalServerErrorException', 'StatementTimeoutException', 'ThrottlingException', 'DatabaseUnavailableException']);
/** The answers that mean "not like this": the deployment is wrong, and no retry will fix it. */
const MISCONFIGURED = new Set(['DatabaseNotFoundException', 'HttpEndpointNotEnabledException', 'SecretsErrorException', 'ForbiddenException', 'AccessDeniedException']);

/**
 * Sends one request, retrying with capped exponential backoff while the cluster resumes
 * from auto-pause: a resuming cluster did not run the statement, so retrying cannot apply
 * it twice. Other failures are mapped once and not retried.
 */
async function withResumeRetry<T>(what: string, send: () => Promise<T>, retry: ResumeRetry, logger: OpsDataLogger | undefined): Promise<T> {
  const deadline = Date.now() + retry.budgetMs;
  for (let delay = retry.initialDelayMs; ; delay = Math.min(delay * 2, retry.maxDelayMs)) {
    try {
      return await send();
    } catch (error) {
      if (!isResuming(error)) throw mapDataApiError(error);
      if (Date.now() + delay > deadline) {
        throw new DatabaseUnavailableError(`The database is resuming and did not answer within ${Math.round(retry.budgetMs / 1000)} s; retry shortly.`, { cause: error });
      }
      logger?.info('database resuming; retrying', { what, delayMs: delay });
      await new Promise((resolve) => setTimeout(resolve, delay + Math.floor(Math.random() * delay * 0.2)));
    }
  }
}

// Not `instanceof Error`: errors from another realm (Node's own, under jest) must be recognised too.
function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
}

function isResuming(error: unknown): boolean {
  return errorName(error) === RESUMING;
}

function mapDataApiError(error: unknown): Error {
  const name = errorName(error);
  const message = error instanceof Error ? error.message : String(error);
  if (STATEMENT_REFUSED.has(name)) return new SqlStatementError(message, /SQLState: (\w{5})/.exec(message)?.[1], { cause: error });
  if (MISCONFIGURED.has(name)) {
    return new DatabaseConfigurationError(`The Data API refused the request (${name}: ${message}): check the cluster ARN, its Data API, the secret and the role`, { cause: error });
  }
  if (UNAVAILABLE.has(name) || isNetworkFailure(error)) {
    return new DatabaseUnavailableError('The database is temporarily unavailable; retry shortly.', { cause: error });
  }
  return error instanceof Error ? error : new Error(message);
}

/** No HTTP answer at all: the SDK's error carries `$metadata` without a status code. */
function isNetworkFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = 'code' in error ? String(error.code) : '';
  const metadata = '$metadata' in error ? (error.$metadata as { httpStatusCode?: number } | undefined) : undefined;
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(code) || (metadata !== undefined && metadata.httpStatusCode === undefined);
}
