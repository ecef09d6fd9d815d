import type { z } from 'zod';

/** Marks a field as sensitive: its value never reaches audit records or logs. */
export function sensitive<T extends z.ZodType>(schema: T): T {
  return schema.meta({ 'x-sensitive': true }) as T;
}

export const REDACTED = '[REDACTED]';

type JsonSchema = {
  'x-sensitive'?: boolean;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
};

/**
 * Copies `value` with every field the tool's input JSON Schema marks `x-sensitive`
 * replaced by a placeholder, at any depth (objects, arrays, optional fields).
 */
export function redact(value: unknown, schema: JsonSchema | undefined): unknown {
  if (!schema) return value;
  if (schema['x-sensitive']) return REDACTED;
  for (const option of schema.anyOf ?? []) {
    if (option['x-sensitive']) return REDACTED;
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, schema.items ?? firstWith(schema, 'items')));
  if (value !== null && typeof value === 'object') {
    const properties = schema.properties ?? firstWith(schema, 'properties');
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, member]) => [key, redact(member, properties?.[key])]),
    );
  }
  return value;
}

function firstWith<K extends 'items' | 'properties'>(schema: JsonSchema, key: K): JsonSchema[K] | undefined {
  return schema.anyOf?.find((option) => option[key] !== undefined)?.[key];
}
