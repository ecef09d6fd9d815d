import { types } from '@electric-sql/pglite';
import type { ColumnType, ScalarKind } from './column-types';
import { DataApiError } from './errors';
import type { ResultSetOptions } from './requests';

/**
 * Maps PostgreSQL's text output to the Data API's result shapes: `Field` unions for
 * `records`, and plain JSON values for `formattedRecords` (formatRecordsAs: 'JSON').
 *
 *   PostgreSQL                          Field                       JSON
 *   null                                {isNull: true}              null
 *   int2, int4, int8, oid               longValue                   number (all digits kept)
 *   float4, float8                      doubleValue                 number ("NaN", "Infinity" as strings)
 *   numeric                             stringValue                 string (resultSetOptions.decimalReturnType
 *                                                                   DOUBLE_OR_LONG: a number)
 *   bool                                booleanValue                true / false
 *   bytea                               blobValue (base64)          base64 string
 *   timestamp, timestamptz              stringValue                 "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC,
 *                                                                   fraction only when not zero
 *   date, time, text, varchar, char,    stringValue                 string (json/jsonb as their JSON text:
 *   uuid, enum, json, jsonb, others                                 the AWS docs list JSON among the
 *                                                                   types returned as strings)
 *   arrays                              arrayValue {longValues,     array of the mapped elements
 *                                       doubleValues, booleanValues
 *                                       or stringValues}
 *
 * Multidimensional arrays fail with UnsupportedResultException, as the service model says.
 */

/** A JSON number kept as PostgreSQL's digits (an int8 beyond 2^53 survives). */
export class RawJson {
  constructor(readonly text: string) {}
}

type Scalar =
  | { readonly kind: 'null' }
  | { readonly kind: 'long' | 'double' | 'string'; readonly text: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'blob'; readonly base64: string };

type ArrayMember = 'longValues' | 'doubleValues' | 'booleanValues' | 'stringValues';

export function toField(raw: string | null, type: ColumnType, options: ResultSetOptions): unknown {
  if (raw === null) return { isNull: true };
  if (!type.isArray) return scalarField(toScalar(raw, type.kind, options));
  const elements = arrayElements(raw, type).map((element) => toScalar(element, type.kind, options));
  return { arrayValue: { [arrayMember(type.kind, options)]: elements.map(scalarJson) } };
}

export function toJsonValue(raw: string | null, type: ColumnType, options: ResultSetOptions): unknown {
  if (raw === null) return null;
  if (!type.isArray) return scalarJson(toScalar(raw, type.kind, options));
  return arrayElements(raw, type).map((element) => scalarJson(toScalar(element, type.kind, options)));
}

function toScalar(raw: string | null, kind: ScalarKind, options: ResultSetOptions): Scalar {
  if (raw === null) return { kind: 'null' };
  switch (kind) {
    case 'long':
      return { kind: options.longReturnType === 'STRING' ? 'string' : 'long', text: raw };
    case 'double':
      return { kind: 'double', text: raw };
    case 'decimal':
      if (options.decimalReturnType !== 'DOUBLE_OR_LONG') return { kind: 'string', text: raw };
      return { kind: /^-?\d+$/.test(raw) ? 'long' : 'double', text: raw };
    case 'bool':
      return { kind: 'bool', value: raw === 't' };
    case 'blob':
      return { kind: 'blob', base64: Buffer.from(raw.slice(2), 'hex').toString('base64') };
    case 'timestamptz':
      return { kind: 'string', text: timestamptzInUtc(raw) };
    default:
      return { kind: 'string', text: raw };
  }
}

function scalarField(scalar: Scalar): unknown {
  switch (scalar.kind) {
    case 'null':
      return { isNull: true };
    case 'long':
      return { longValue: new RawJson(scalar.text) };
    case 'double':
      return { doubleValue: jsonNumber(scalar.text) };
    case 'string':
      return { stringValue: scalar.text };
    case 'bool':
      return { booleanValue: scalar.value };
    case 'blob':
      return { blobValue: scalar.base64 };
  }
}

function scalarJson(scalar: Scalar): unknown {
  switch (scalar.kind) {
    case 'null':
      return null;
    case 'long':
      return new RawJson(scalar.text);
    case 'double':
      return jsonNumber(scalar.text);
    case 'string':
      return scalar.text;
    case 'bool':
      return scalar.value;
    case 'blob':
      return scalar.base64;
  }
}

function arrayMember(kind: ScalarKind, options: ResultSetOptions): ArrayMember {
  if (kind === 'long' && options.longReturnType !== 'STRING') return 'longValues';
  if (kind === 'double' || (kind === 'decimal' && options.decimalReturnType === 'DOUBLE_OR_LONG')) return 'doubleValues';
  if (kind === 'bool') return 'booleanValues';
  return 'stringValues';
}

function arrayElements(raw: string, type: ColumnType): (string | null)[] {
  const elements = types.arrayParser(raw, (element: string) => element, type.oid) as unknown[];
  if (elements.some(Array.isArray)) {
    throw new DataApiError('UnsupportedResultException', `The result contains a multidimensional array (type ${type.name}), which is not supported`);
  }
  return elements as (string | null)[];
}

/** PostgreSQL's float output as a JSON number; NaN and ±Infinity as the strings Smithy JSON uses for them. */
function jsonNumber(text: string): unknown {
  return /^-?\d/.test(text) ? new RawJson(text) : text;
}

const TIMESTAMPTZ = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/;

/** `2024-01-02 05:04:05.5+02` -> `2024-01-02 03:04:05.5`; infinity and BC values pass through. */
export function timestamptzInUtc(text: string): string {
  const match = TIMESTAMPTZ.exec(text);
  if (!match) return text;
  const [, year, month, day, hour, minute, second, fraction = '', sign, offsetHours, offsetMinutes = '0', offsetSeconds = '0'] = match;
  const offset = (sign === '-' ? -1 : 1) * (Number(offsetHours) * 3600 + Number(offsetMinutes) * 60 + Number(offsetSeconds));
  const utc = new Date(0);
  utc.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  utc.setUTCHours(Number(hour), Number(minute), Number(second) - offset, 0);
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  const date = `${pad(utc.getUTCFullYear(), 4)}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())}`;
  return `${date} ${pad(utc.getUTCHours())}:${pad(utc.getUTCMinutes())}:${pad(utc.getUTCSeconds())}${fraction}`;
}

/** JSON text in which RawJson values are written as they are. */
export function writeJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(writeJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).filter(([, member]) => member !== undefined);
    return `{${members.map(([key, member]) => `${JSON.stringify(key)}:${writeJson(member)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
