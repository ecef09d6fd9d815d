import type { Transaction } from '@electric-sql/pglite';
import { DataApiError } from './errors';

/** How a value of a PostgreSQL type is returned by the Data API. */
export type ScalarKind = 'long' | 'double' | 'decimal' | 'bool' | 'blob' | 'timestamp' | 'timestamptz' | 'string';

export interface ColumnType {
  readonly oid: number;
  /** `pg_type.typname`, as JDBC's getColumnTypeName reports it (`int4`, `_text`, `timestamptz`). */
  readonly name: string;
  /** The scalar kind; for an array, the kind of its elements. */
  readonly kind: ScalarKind;
  readonly isArray: boolean;
  readonly typtype: string;
}

const KINDS: Record<number, ScalarKind> = {
  16: 'bool',
  17: 'blob',
  20: 'long',
  21: 'long',
  23: 'long',
  26: 'long',
  700: 'double',
  701: 'double',
  1114: 'timestamp',
  1184: 'timestamptz',
  1700: 'decimal',
};

/** Types Aurora Serverless v2 refuses to return ("The result contains the unsupported data type regtype"): `"char"` and the reg* types. */
const UNSUPPORTED = new Set([18, 24, 2202, 2203, 2204, 2205, 2206, 3734, 3769, 4089, 4096, 4191]);

interface PgType {
  oid: number;
  typname: string;
  typtype: string;
  typcategory: string;
  typelem: number;
  typbasetype: number;
}

/** Looks types up in `pg_type` by the OIDs of result columns, once per OID. */
export class TypeCatalog {
  private readonly types = new Map<number, PgType>();

  async describe(tx: Transaction, oids: readonly number[]): Promise<ColumnType[]> {
    let missing = this.missing(oids);
    for (let round = 0; missing.length > 0 && round < 4; round++) {
      const { rows } = await tx.query<PgType>(
        `SELECT oid::int AS oid, typname::text AS typname, typtype::text AS typtype, typcategory::text AS typcategory,
                typelem::int AS typelem, typbasetype::int AS typbasetype
           FROM pg_catalog.pg_type WHERE oid = ANY($1::int[])`,
        [`{${missing.join(',')}}`],
      );
      for (const row of rows) this.types.set(row.oid, row);
      missing = this.missing(rows.flatMap((row) => [row.typelem, row.typbasetype]));
    }
    return oids.map((oid) => this.columnType(oid));
  }

  private missing(oids: readonly number[]): number[] {
    return [...new Set(oids)].filter((oid) => oid !== 0 && !this.types.has(oid));
  }

  private columnType(oid: number): ColumnType {
    const type = this.types.get(oid);
    if (type === undefined) return { oid, name: String(oid), kind: 'string', isArray: false, typtype: 'b' };
    const isArray = type.typcategory === 'A' && type.typelem !== 0;
    const base = this.baseOf(isArray ? type.typelem : oid);
    if (UNSUPPORTED.has(base)) throw new DataApiError('UnsupportedResultException', `The result contains the unsupported data type ${type.typname}`);
    return { oid, name: type.typname, kind: KINDS[base] ?? 'string', isArray, typtype: type.typtype };
  }

  /** A domain's underlying type (domains of domains included). */
  private baseOf(oid: number): number {
    let type = this.types.get(oid);
    for (let depth = 0; type?.typtype === 'd' && depth < 8; depth++) {
      oid = type.typbasetype;
      type = this.types.get(oid);
    }
    return oid;
  }
}

/** `java.sql.Types` codes as the PostgreSQL JDBC driver reports them. */
const JDBC_TYPES: Record<string, number> = {
  int2: 5,
  int4: 4,
  int8: -5,
  oid: -5,
  float4: 7,
  float8: 8,
  money: 8,
  numeric: 2,
  bool: -7,
  bit: -7,
  bpchar: 1,
  char: 1,
  varchar: 12,
  text: 12,
  name: 12,
  bytea: -2,
  date: 91,
  time: 92,
  timetz: 92,
  timestamp: 93,
  timestamptz: 93,
};
const CASE_INSENSITIVE = new Set(['int2', 'int4', 'int8', 'oid', 'float4', 'float8', 'bool', 'bit', 'date', 'time', 'timetz', 'timestamp', 'timestamptz', 'interval']);
const SIGNED = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'money']);

function jdbcType(type: ColumnType): number {
  if (type.isArray) return 2003;
  if (type.typtype === 'e') return 12;
  if (type.typtype === 'd') return 2001;
  return JDBC_TYPES[type.name] ?? 1111;
}

/**
 * A column's `ColumnMetadata`. PGlite's results carry only each column's label and type,
 * so the table, schema, precision and nullability a JDBC driver would look up are not
 * known: nullability is `columnNullableUnknown` (2) and table and schema names are empty.
 */
export function columnMetadata(label: string, type: ColumnType) {
  return {
    name: label,
    label,
    typeName: type.name,
    type: jdbcType(type),
    isAutoIncrement: false,
    isSigned: SIGNED.has(type.name),
    isCurrency: type.name === 'money',
    isCaseSensitive: !CASE_INSENSITIVE.has(type.name),
    nullable: 2,
    schemaName: '',
    tableName: '',
    arrayBaseColumnType: 0,
  };
}
