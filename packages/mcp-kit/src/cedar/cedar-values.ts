import type { CedarType } from './cedar-schema';

/** A value as Cedar's JSON form writes it. */
export type CedarValue = string | number | boolean | CedarValue[] | { [key: string]: CedarValue };

/**
 * A validated value as the Cedar type the schema gave it: attributes the schema left out
 * (Cedar cannot represent them) are dropped, arrays become sets, dates become ISO text.
 * Undefined when the value does not fit the type, which the caller treats as invalid input.
 */
export function toCedarValue(value: unknown, type: CedarType): CedarValue | undefined {
  switch (type.type) {
    case 'String':
      if (value instanceof Date) return value.toISOString();
      return typeof value === 'string' ? value : undefined;
    case 'Long':
      return Number.isSafeInteger(value) ? (value as number) : undefined;
    case 'Boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'Set': {
      if (!Array.isArray(value)) return undefined;
      const elements = value.map((element) => toCedarValue(element, type.element));
      return elements.every((element) => element !== undefined) ? (elements as CedarValue[]) : undefined;
    }
    case 'Record': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
      const record: Record<string, CedarValue> = {};
      for (const [name, attribute] of Object.entries(type.attributes)) {
        const field = (value as Record<string, unknown>)[name];
        if (field === undefined && attribute.required === false) continue;
        const converted = toCedarValue(field, attribute);
        if (converted === undefined) return undefined;
        record[name] = converted;
      }
      return record;
    }
  }
}
