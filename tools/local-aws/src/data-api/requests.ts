import { z } from 'zod';
import { badRequest } from './errors';

/** Request bodies of the RDS Data API operations the endpoint serves, as the SDK serializes them. */

const ArrayValue: z.ZodType<unknown> = z.lazy(() =>
  z.object({
    booleanValues: z.array(z.boolean().nullable()).optional(),
    longValues: z.array(z.number().nullable()).optional(),
    doubleValues: z.array(z.number().nullable()).optional(),
    stringValues: z.array(z.string().nullable()).optional(),
    arrayValues: z.array(ArrayValue).optional(),
  }),
);

/** A `Field` union: exactly one member is set. */
const Field = z
  .object({
    isNull: z.boolean().optional(),
    booleanValue: z.boolean().optional(),
    longValue: z.number().optional(),
    doubleValue: z.number().optional(),
    stringValue: z.string().optional(),
    blobValue: z.string().optional(),
    arrayValue: ArrayValue.optional(),
  })
  .refine((field) => Object.values(field).filter((member) => member !== undefined).length === 1, { message: 'a Field must set exactly one member' });

const TypeHint = z.enum(['TIMESTAMP', 'DATE', 'TIME', 'DECIMAL', 'JSON', 'UUID']);

const SqlParameter = z.object({ name: z.string().min(1), value: Field, typeHint: TypeHint.optional() });

const Target = { resourceArn: z.string().min(1), secretArn: z.string().min(1) };

export const ExecuteStatementRequest = z.object({
  ...Target,
  sql: z.string(),
  database: z.string().optional(),
  schema: z.string().optional(),
  parameters: z.array(SqlParameter).optional(),
  transactionId: z.string().optional(),
  includeResultMetadata: z.boolean().optional(),
  continueAfterTimeout: z.boolean().optional(),
  resultSetOptions: z
    .object({ decimalReturnType: z.enum(['STRING', 'DOUBLE_OR_LONG']).optional(), longReturnType: z.enum(['STRING', 'LONG']).optional() })
    .optional(),
  formatRecordsAs: z.enum(['NONE', 'JSON']).optional(),
});

export const BeginTransactionRequest = z.object({ ...Target, database: z.string().optional(), schema: z.string().optional() });

export const EndTransactionRequest = z.object({ ...Target, transactionId: z.string().min(1) });

export type ExecuteStatementInput = z.infer<typeof ExecuteStatementRequest>;
export type ResultSetOptions = NonNullable<ExecuteStatementInput['resultSetOptions']>;
export type SqlParameter = z.infer<typeof SqlParameter>;
export type TypeHint = z.infer<typeof TypeHint>;
export type Field = z.infer<typeof Field>;

/** Validates a body; a body the model does not allow is a BadRequestException. */
export function parseRequest<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw badRequest(`Invalid request: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'malformed body'}`);
}
