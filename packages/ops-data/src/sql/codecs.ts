import { z } from 'zod';
import type { SqlSession } from './sql-executor';
import type { Statement } from './statement';

/**
 * Column codecs for row schemas. The adapters' wires differ: PGlite gives `Date`s, parsed
 * JSON and arrays; the Data API's JSON records give timestamps as UTC text, JSON columns
 * as text and bigints as numbers. A row schema built from these reads either into the
 * same typed values, and fails loudly on anything else.
 */

/** `2026-11-25 14:34:03`, `2026-11-25 14:34:03.123456`, ISO 8601, with or without a zone (UTC when absent). */
const TIMESTAMP_TEXT = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}(:?\d{2})?)?$/;

export function parseTimestampText(text: string): Date | undefined {
  const match = TIMESTAMP_TEXT.exec(text);
  if (!match) return undefined;
  const [, day, time, fraction = '', zone = 'Z'] = match;
  const millis = fraction ? fraction.slice(0, 4).padEnd(4, '0') : '';
  const offset = zone === 'Z' ? 'Z' : zone.length === 3 ? `${zone}:00` : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const date = new Date(`${day}T${time}${millis}${offset}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export const timestampColumn = z.union([z.date(), z.string()]).transform((value, ctx) => {
  const date = typeof value === 'string' ? parseTimestampText(value) : value;
  if (date) return date;
  ctx.addIssue({ code: 'custom', message: `not a timestamp: ${String(value)}` });
  return z.NEVER;
});

/** COUNT(*) and other bigints: a number, a bigint, or decimal text. */
export const integerColumn = z.union([z.number(), z.bigint(), z.string().regex(/^-?\d+$/)]).transform(Number).pipe(z.number().int());

/** A JSON or JSONB column, parsed and then checked against `schema`. */
export function jsonColumn<S extends z.ZodType>(schema: S) {
  return z
    .unknown()
    .transform((value, ctx) => {
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON text' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** A `text[]` column: a JSON array, or PostgreSQL's array literal text. */
export const textArrayColumn = z.union([z.array(z.string()), z.string().transform(parseTextArrayLiteral)]).pipe(z.array(z.string()));

/** `{a,"b c","d \"e\""}` → `['a', 'b c', 'd "e"']`; one dimension, no NULL elements. */
export function parseTextArrayLiteral(literal: string): string[] {
  if (literal === '{}') return [];
  const inner = literal.replace(/^\{|\}$/g, '');
  const elements: string[] = [];
  const element = /"((?:[^"\\]|\\.)*)"|([^,]+)/g;
  for (let match = element.exec(inner); match; match = element.exec(inner)) {
    elements.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!.trim());
  }
  return elements;
}

/** Parses rows with `schema`; a mismatch is a bug in the query, reported with the column. */
export function parseRows<S extends z.ZodType>(schema: S, rows: readonly unknown[]): z.output<S>[] {
  return rows.map((row, index) => {
    const parsed = schema.safeParse(row);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new Error(`Row ${index} does not match its schema at ${issue?.path.join('.') || '(row)'}: ${issue?.message}`);
  });
}

/** Runs a read and types its rows with `schema`. */
export async function selectRows<S extends z.ZodType>(session: SqlSession, schema: S, statement: Statement): Promise<z.output<S>[]> {
  return parseRows(schema, (await session.query(statement)).rows);
}
