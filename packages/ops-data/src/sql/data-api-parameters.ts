import type { SqlParameter } from '@aws-sdk/client-rds-data';
import { paramText, type SqlParam, type Statement } from './statement';

/**
 * Named parameters as the Data API takes them. Integers travel as longs, other numbers as
 * doubles; timestamps and JSON carry a type hint so PostgreSQL types them without a cast.
 * Arrays have no parameter form in the Data API: they travel as array-literal text.
 */
export function toSqlParameters(statement: Statement): SqlParameter[] {
  return Object.entries(statement.params ?? {}).map(([name, param]) => ({ name, ...fieldOf(param) }));
}

function fieldOf(param: SqlParam): Omit<SqlParameter, 'name'> {
  if (param === null) return { value: { isNull: true } };
  if (typeof param === 'boolean') return { value: { booleanValue: param } };
  if (typeof param === 'number') return { value: Number.isSafeInteger(param) ? { longValue: param } : { doubleValue: param } };
  if (typeof param === 'string') return { value: { stringValue: param } };
  if (param instanceof Date) return { value: { stringValue: paramText(param) }, typeHint: 'TIMESTAMP' };
  return { value: { stringValue: paramText(param) }, ...(param.kind === 'json' ? { typeHint: 'JSON' as const } : {}) };
}
