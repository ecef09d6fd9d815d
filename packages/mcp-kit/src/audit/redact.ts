import { z } from 'zod';

const SENSITIVE = 'x-sensitive';

/** Marks a field as sensitive: its value never reaches audit records or logs. */
export function sensitive<T extends z.ZodType>(schema: T): T {
  return schema.meta({ [SENSITIVE]: true }) as T;
}

export const REDACTED = '[REDACTED]';

type Def = { type: string; [key: string]: unknown };
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;
const isSensitive = (schema: z.ZodType) => z.globalRegistry.get(schema)?.[SENSITIVE] === true;

/**
 * Copies `value` with every part that the tool's zod input schema marks `sensitive`
 * replaced by a placeholder, at any depth: objects, arrays, tuples, records, optional,
 * nullable and defaulted fields, every branch of a union, lazy (recursive) schemas.
 * A schema kind it does not know is redacted whole if anything inside it is sensitive.
 */
export function redact(value: unknown, schema: z.ZodType): unknown {
  if (isSensitive(schema)) return REDACTED;
  const def = defOf(schema);
  const nested = (inner: unknown) => redact(value, inner as z.ZodType);
  switch (def.type) {
    case 'object': {
      if (!isPlainObject(value)) return value;
      const shape = def.shape as Record<string, z.ZodType>;
      const catchall = def.catchall as z.ZodType | undefined;
      return Object.fromEntries(
        Object.entries(value).map(([key, member]) => {
          const field = Object.hasOwn(shape, key) ? shape[key] : catchall;
          return [key, field ? redact(member, field) : member];
        }),
      );
    }
    case 'array':
      return Array.isArray(value) ? value.map((item) => redact(item, def.element as z.ZodType)) : value;
    case 'tuple': {
      if (!Array.isArray(value)) return value;
      const items = def.items as z.ZodType[];
      const rest = def.rest as z.ZodType | undefined;
      return value.map((item, index) => {
        const itemSchema = items[index] ?? rest;
        return itemSchema ? redact(item, itemSchema) : item;
      });
    }
    case 'record':
      return isPlainObject(value)
        ? Object.fromEntries(Object.entries(value).map(([key, member]) => [key, redact(member, def.valueType as z.ZodType)]))
        : value;
    case 'union':
      // The value may match any branch: apply each branch's redactions in turn.
      return (def.options as z.ZodType[]).reduce<unknown>((current, option) => redact(current, option), value);
    case 'intersection':
      return redact(redact(value, def.left as z.ZodType), def.right as z.ZodType);
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
    case 'success':
      return nested(def.innerType);
    case 'pipe':
      return redact(nested(def.in), def.out as z.ZodType);
    case 'lazy':
      return nested((def.getter as () => z.ZodType)());
    default:
      return containsSensitive(schema) ? REDACTED : value;
  }
}

/** Schemas are immutable once defined: each is looked through once, not on every call. */
const sensitiveInside = new WeakMap<z.ZodType, boolean>();

function containsSensitive(schema: z.ZodType): boolean {
  let found = sensitiveInside.get(schema);
  if (found === undefined) {
    try {
      found = JSON.stringify(z.toJSONSchema(schema, { unrepresentable: 'any', cycles: 'ref' })).includes(SENSITIVE);
    } catch {
      found = true;
    }
    sensitiveInside.set(schema, found);
  }
  return found;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
