import { badRequest } from './errors';
import type { SqlParameter, TypeHint } from './requests';
import { findPlaceholders } from './sql-placeholders';

/** SQL with `$n` placeholders, its text-format values, and the type each value is bound as. */
export interface BoundStatement {
  readonly text: string;
  readonly values: (string | null)[];
  readonly types: number[];
}

const OID = { unknown: 0, bool: 16, bytea: 17, int8: 20, float8: 701, varchar: 1043 } as const;

/**
 * The type a string is bound as for each `typeHint` (so a hint makes the value typed, as
 * `($n::timestamp)` would), and the format the service accepts for it. Without a hint a
 * string is bound as `varchar`, as the service's JDBC `setString` does: a string for a
 * jsonb, uuid, timestamp or enum column needs a hint or a cast, exactly as on Aurora.
 */
const HINTS: Record<TypeHint, { oid: number; format?: RegExp; expected?: string }> = {
  TIMESTAMP: { oid: 1114, format: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/, expected: 'YYYY-MM-DD HH:MM:SS[.FFF]' },
  DATE: { oid: 1082, format: /^\d{4}-\d{2}-\d{2}$/, expected: 'YYYY-MM-DD' },
  TIME: { oid: 1083, format: /^\d{2}:\d{2}:\d{2}(\.\d{1,9})?$/, expected: 'HH:MM:SS[.FFF]' },
  DECIMAL: { oid: 1700 },
  JSON: { oid: 114 },
  UUID: { oid: 2950 },
};

/** Rewrites `:name` placeholders to `$n` (one number per distinct name) and converts the values. */
export function bindParameters(sql: string, parameters: readonly SqlParameter[] = []): BoundStatement {
  const byName = new Map(parameters.map((parameter) => [parameter.name, parameter]));
  const numbers = new Map<string, number>();
  const values: (string | null)[] = [];
  const types: number[] = [];
  let text = '';
  let copied = 0;
  for (const placeholder of findPlaceholders(sql)) {
    let number = numbers.get(placeholder.name);
    if (number === undefined) {
      const parameter = byName.get(placeholder.name);
      if (parameter === undefined) throw badRequest(`No value specified for parameter: ${placeholder.name}`);
      const bound = bindValue(parameter);
      values.push(bound.value);
      types.push(bound.type);
      number = values.length;
      numbers.set(placeholder.name, number);
    }
    text += `${sql.slice(copied, placeholder.start)}$${number}`;
    copied = placeholder.end;
  }
  return { text: text + sql.slice(copied), values, types };
}

function bindValue({ name, value, typeHint }: SqlParameter): { value: string | null; type: number } {
  if (value.arrayValue !== undefined) throw badRequest('Array parameters are not supported.');
  if (value.isNull) return { value: null, type: OID.unknown };
  if (value.stringValue !== undefined) return bindString(name, value.stringValue, typeHint);
  if (value.longValue !== undefined) return { value: integerText(name, value.longValue), type: OID.int8 };
  if (value.doubleValue !== undefined) return { value: String(value.doubleValue), type: OID.float8 };
  if (value.booleanValue !== undefined) return { value: String(value.booleanValue), type: OID.bool };
  if (value.blobValue !== undefined) return { value: `\\x${Buffer.from(value.blobValue, 'base64').toString('hex')}`, type: OID.bytea };
  return { value: null, type: OID.unknown };
}

function bindString(name: string, text: string, typeHint: TypeHint | undefined): { value: string; type: number } {
  if (typeHint === undefined) return { value: text, type: OID.varchar };
  const hint = HINTS[typeHint];
  if (hint.format && !hint.format.test(text)) {
    throw badRequest(`Invalid ${typeHint} value for parameter ${name}: '${text}'. The format must be ${hint.expected}.`);
  }
  return { value: text, type: hint.oid };
}

function integerText(name: string, value: number): string {
  if (!Number.isInteger(value)) throw badRequest(`Parameter ${name}: longValue must be an integer, got ${value}`);
  return BigInt(value).toString();
}
