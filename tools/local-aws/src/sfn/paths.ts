import { runtimeError } from './errors';

/**
 * The JSONPath subset of the States Language that the test endpoint reads: reference paths
 * `$`, `$.a.b`, `$['a']`, `$.list[0]` on the state input and `$$...` on the context object,
 * payload templates (`"key.$": "<path>"`, nested objects and arrays), and ResultPath /
 * InputPath / OutputPath. No filters, wildcards, slices or intrinsic functions (States.*):
 * those raise States.Runtime.
 */
type Segment = string | number;

const SEGMENT = /^(?:\.([A-Za-z_][\w-]*)|\[(\d+)\]|\['([^']*)'\])/;

export function parsePath(path: string): { root: '$' | '$$'; segments: Segment[] } {
  const root = path.startsWith('$$') ? '$$' : path.startsWith('$') ? '$' : undefined;
  if (!root) throw runtimeError(`Unsupported path '${path}': a reference path starts with $ or $$`);
  const segments: Segment[] = [];
  let rest = path.slice(root.length);
  while (rest.length > 0) {
    const match = SEGMENT.exec(rest);
    if (!match) throw runtimeError(`Unsupported path '${path}': the test endpoint reads only .name, ['name'] and [index] steps`);
    segments.push(match[1] ?? (match[2] !== undefined ? Number(match[2]) : match[3]!));
    rest = rest.slice(match[0].length);
  }
  return { root, segments };
}

/** Reads a reference path; a missing field is States.Runtime, as in the service. */
export function readPath(path: string, input: unknown, context: unknown, field?: string): unknown {
  const { root, segments } = parsePath(path);
  let value: unknown = root === '$$' ? context : input;
  for (const segment of segments) {
    const next = step(value, segment);
    if (next === undefined) {
      const where = field ? ` specified for the field '${field}'` : '';
      throw runtimeError(`The JSONPath '${path}'${where} could not be found in the input '${JSON.stringify(root === '$$' ? context : input)}'`);
    }
    value = next;
  }
  return value;
}

function step(value: unknown, segment: Segment): unknown {
  if (typeof segment === 'number') return Array.isArray(value) ? value[segment] : undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return Object.prototype.hasOwnProperty.call(value, segment) ? (value as Record<string, unknown>)[segment] : undefined;
}

/** Evaluates a Parameters / ResultSelector / Payload template against the input and context. */
export function applyTemplate(template: unknown, input: unknown, context: unknown): unknown {
  if (Array.isArray(template)) return template.map((item) => applyTemplate(item, input, context));
  if (template === null || typeof template !== 'object') return template;
  const output: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) {
      if (typeof value !== 'string') throw runtimeError(`The value of the field '${key}' must be a path`);
      if (!value.startsWith('$')) throw runtimeError(`The value '${value}' of the field '${key}' is not a reference path (intrinsic functions are not supported by the test endpoint)`);
      output[key.slice(0, -2)] = readPath(value, input, context, key);
    } else {
      output[key] = applyTemplate(value, input, context);
    }
  }
  return output;
}

/** InputPath / OutputPath: `null` gives `{}`, a path selects, absent means `$`. */
export function selectPath(path: string | null | undefined, value: unknown): unknown {
  if (path === undefined) return value;
  if (path === null) return {};
  return readPath(path, value, undefined);
}

/** ResultPath: `null` keeps the input, `$` replaces it, `$.a.b` sets a field on a copy of the input. */
export function writePath(target: unknown, path: string | null | undefined, value: unknown): unknown {
  if (path === null) return target;
  if (path === undefined) return value;
  const { root, segments } = parsePath(path);
  if (root === '$$') throw runtimeError(`ResultPath '${path}' cannot refer to the context object`);
  if (segments.length === 0) return value;
  const copy = structuredClone(target ?? {}) as unknown;
  let cursor = copy;
  segments.forEach((segment, index) => {
    if (typeof segment === 'number' || cursor === null || typeof cursor !== 'object' || Array.isArray(cursor)) {
      throw runtimeError(`Unable to apply ResultPath '${path}' to the input '${JSON.stringify(target)}'`);
    }
    const record = cursor as Record<string, unknown>;
    if (index === segments.length - 1) {
      record[segment] = value;
    } else {
      const next = record[segment];
      if (next === undefined) record[segment] = {};
      cursor = record[segment];
    }
  });
  return copy;
}
