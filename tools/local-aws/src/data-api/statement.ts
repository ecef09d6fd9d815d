import type { PGlite, Results, Transaction } from '@electric-sql/pglite';
import { columnMetadata, type ColumnType, type TypeCatalog } from './column-types';
import { badRequest } from './errors';
import type { ExecuteStatementInput } from './requests';
import { toField, toJsonValue, writeJson } from './result-values';
import type { BoundStatement } from './sql-parameters';

/** Response size limits: 1 MiB of records; 10 MB for the JSON string of formatRecordsAs JSON. */
const RECORDS_LIMIT = 1024 * 1024;
const FORMATTED_LIMIT = 10 * 1024 * 1024;
const TOO_LARGE = 'Database returned more than the allowed response size limit';

type Row = (string | null)[];

/** Runs one statement in `tx` and shapes the ExecuteStatement response (numbers kept as RawJson). */
export async function executeStatement(
  db: PGlite,
  tx: Transaction,
  catalog: TypeCatalog,
  bound: BoundStatement,
  request: ExecuteStatementInput,
): Promise<Record<string, unknown>> {
  const result = await tx.query<Row>(bound.text, bound.values, {
    rowMode: 'array',
    paramTypes: bound.types,
    parsers: asText(db.parsers),
    serializers: asText(db.serializers),
  });
  const response: Record<string, unknown> = { numberOfRecordsUpdated: result.affectedRows ?? 0 };
  if (result.fields.length === 0) return response;
  const columns = await catalog.describe(tx, result.fields.map((field) => field.dataTypeID));
  if (request.formatRecordsAs === 'JSON') response.formattedRecords = formattedRecords(result, columns, request);
  else response.records = records(result, columns, request);
  if (request.includeResultMetadata) response.columnMetadata = result.fields.map((field, i) => columnMetadata(field.name, columns[i]!));
  return response;
}

/**
 * Every known type read and written as PostgreSQL text: values go to the database as the
 * strings the Field conversion produced, and come back unparsed so they can be mapped the
 * way the Data API maps them (types PGlite does not know come back as text anyway).
 */
function asText<T>(known: Record<number | string, T>): Record<string, (value: string) => string> {
  return Object.fromEntries(Object.keys(known).map((oid) => [oid, (value: string) => value]));
}

function records(result: Results<Row>, columns: ColumnType[], request: ExecuteStatementInput): unknown[] {
  const options = request.resultSetOptions ?? {};
  const rows = result.rows.map((row) => row.map((value, i) => toField(value, columns[i]!, options)));
  if (Buffer.byteLength(writeJson(rows)) > RECORDS_LIMIT) throw badRequest(TOO_LARGE);
  return rows;
}

/** A JSON array of one object per row, keyed by column label. */
function formattedRecords(result: Results<Row>, columns: ColumnType[], request: ExecuteStatementInput): string {
  const options = request.resultSetOptions ?? {};
  const labels = result.fields.map((field) => JSON.stringify(field.name));
  const objects = result.rows.map((row) => `{${row.map((value, i) => `${labels[i]}:${writeJson(toJsonValue(value, columns[i]!, options))}`).join(',')}}`);
  const text = `[${objects.join(',')}]`;
  if (Buffer.byteLength(text) > FORMATTED_LIMIT) throw badRequest(TOO_LARGE);
  return text;
}
