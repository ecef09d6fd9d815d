/**
 * A SQL statement with named parameters (`:name`), the placeholder style the Aurora Data
 * API speaks; the embedded adapter rewrites them to positional `$n`. Values are never
 * spliced into SQL text.
 */
export interface Statement {
  readonly sql: string;
  readonly params?: Readonly<Record<string, SqlParam>>;
}

/** A parameter value; wrap JSON, arrays and exact decimals so both adapters type them alike. */
export type SqlParam = string | number | boolean | null | Date | JsonParam | TextArrayParam;

export interface JsonParam {
  readonly kind: 'json';
  readonly value: unknown;
}

export interface TextArrayParam {
  readonly kind: 'text[]';
  readonly value: readonly string[];
}

/** A JSON document; the SQL casts it (`:details::jsonb`). */
export const jsonParam = (value: unknown): JsonParam => ({ kind: 'json', value });

/**
 * A text array. The Data API takes no array parameters, so arrays travel as a PostgreSQL
 * array literal and the SQL casts them (`:services::text[]`).
 */
export const textArrayParam = (value: readonly string[]): TextArrayParam => ({ kind: 'text[]', value });

/** The PostgreSQL array literal of `values`: `{"a","b \"c\""}`. */
export function pgTextArrayLiteral(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

/**
 * A timestamp parameter in SQL. Timestamps travel as UTC text without a zone (the Data
 * API's TIMESTAMP form), which PostgreSQL would read in the session's TimeZone; this reads
 * them as UTC whatever the cluster or the login sets.
 */
export const utcParam = (name: string) => `(:${name}::timestamp AT TIME ZONE 'UTC')`;

/** Timestamps travel as UTC text without a zone, the Data API's TIMESTAMP form. */
export function utcTimestampText(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * The wire text of a parameter, shared by both adapters so that PostgreSQL sees the same
 * input whichever way the statement travels. `null` stays null.
 */
export function paramText(param: Exclude<SqlParam, null>): string {
  if (param instanceof Date) return utcTimestampText(param);
  if (typeof param === 'object') return param.kind === 'json' ? JSON.stringify(param.value) : pgTextArrayLiteral(param.value);
  return String(param);
}
