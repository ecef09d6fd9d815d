import type { PGlite } from '@electric-sql/pglite';
import { TypeCatalog } from './column-types';
import { badRequest, DataApiError } from './errors';
import { BeginTransactionRequest, EndTransactionRequest, ExecuteStatementRequest, parseRequest } from './requests';
import { autocommit, TransactionRegistry } from './sessions';
import { bindParameters } from './sql-parameters';
import { executeStatement } from './statement';

export interface ServiceConfig {
  readonly db: PGlite;
  readonly resourceArn: string;
  readonly database: string;
  readonly secrets: Readonly<Record<string, { user: string }>>;
  readonly transactionTimeoutMs: number;
}

export interface RecordedRequest {
  operation: string;
  secretArn?: string;
  sql?: string;
}

interface Login {
  resourceArn: string;
  secretArn: string;
  database?: string | undefined;
  schema?: string | undefined;
}

/** The RDS Data API operations, over one PGlite database. */
export class DataApiService {
  readonly requests: RecordedRequest[] = [];
  private resuming = 0;
  private readonly transactions: TransactionRegistry;
  private readonly catalog = new TypeCatalog();

  constructor(private readonly config: ServiceConfig) {
    this.transactions = new TransactionRegistry(config.db, config.transactionTimeoutMs);
  }

  resumeFor(count: number): void {
    this.resuming = Math.max(0, Math.floor(count));
  }

  async handle(operation: string, body: unknown): Promise<unknown> {
    this.record(operation, body);
    if (this.resuming > 0) {
      this.resuming -= 1;
      throw new DataApiError('DatabaseResumingException', `The Aurora DB instance ${this.instanceName()} is resuming after being auto-paused. Please wait a few seconds and try again.`);
    }
    switch (operation) {
      case 'ExecuteStatement':
        return this.executeStatement(body);
      case 'BeginTransaction':
        return this.beginTransaction(body);
      case 'CommitTransaction':
        return this.endTransaction(body, 'commit');
      case 'RollbackTransaction':
        return this.endTransaction(body, 'rollback');
      default:
        throw badRequest(`${operation} is not implemented by the Data API test endpoint (only ExecuteStatement, BeginTransaction, CommitTransaction and RollbackTransaction are).`);
    }
  }

  stop(): Promise<void> {
    return this.transactions.close();
  }

  private async executeStatement(body: unknown): Promise<unknown> {
    const request = parseRequest(ExecuteStatementRequest, body);
    const user = this.login(request);
    const bound = bindParameters(request.sql, request.parameters);
    const work = (tx: Parameters<typeof executeStatement>[1]) => executeStatement(this.config.db, tx, this.catalog, bound, request);
    if (request.transactionId === undefined) return autocommit(this.config.db, user, work);
    return this.transactions.run(request.transactionId, work);
  }

  private async beginTransaction(body: unknown): Promise<unknown> {
    const request = parseRequest(BeginTransactionRequest, body);
    return { transactionId: await this.transactions.begin(this.login(request)) };
  }

  private async endTransaction(body: unknown, outcome: 'commit' | 'rollback'): Promise<unknown> {
    const request = parseRequest(EndTransactionRequest, body);
    this.login(request);
    await this.transactions.end(request.transactionId, outcome);
    return { transactionStatus: outcome === 'commit' ? 'Transaction Committed' : 'Rollback Complete' };
  }

  /** Checks the target of a request and returns the PostgreSQL role its secret logs in as. */
  private login({ resourceArn, secretArn, database, schema }: Login): string {
    if (resourceArn !== this.config.resourceArn) {
      throw new DataApiError('HttpEndpointNotEnabledException', `HttpEndpoint is not enabled for resource ${resourceArn}`);
    }
    const secret = this.config.secrets[secretArn];
    if (secret === undefined) {
      // The model's SecretsErrorException covers "the secret provided wasn't found"; the
      // wording follows Secrets Manager's own ResourceNotFoundException.
      throw new DataApiError('SecretsErrorException', `Error fetching secret ${secretArn}: Secrets Manager can't find the specified secret.`);
    }
    if (database !== undefined && database !== this.config.database) {
      throw new DataApiError('DatabaseErrorException', `FATAL: database "${database}" does not exist; SQLState: 3D000`);
    }
    // Aurora Serverless v2 and provisioned clusters reject the schema parameter (v1 ignored it).
    if (schema !== undefined) throw badRequest("The schema parameter isn't supported.");
    return secret.user;
  }

  private record(operation: string, body: unknown): void {
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const request: RecordedRequest = { operation };
    if (typeof fields.secretArn === 'string') request.secretArn = fields.secretArn;
    if (typeof fields.sql === 'string') request.sql = fields.sql;
    this.requests.push(request);
  }

  private instanceName(): string {
    return `${this.config.resourceArn.split(':').at(-1) ?? 'cluster'}-instance-1`;
  }
}
