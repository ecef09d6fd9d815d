import { z } from 'zod';
import { ToolDefinitionError } from '../errors/errors';
import type { ToolDefinition } from '../tool/define-tool';

/** A Cedar type in the schema's JSON form. */
export type CedarType =
  | { type: 'String' }
  | { type: 'Long' }
  | { type: 'Boolean' }
  | { type: 'Set'; element: CedarType }
  | { type: 'Record'; attributes: Record<string, CedarAttribute> };
export type CedarAttribute = CedarType & { required?: boolean };
export type CedarRecordType = Extract<CedarType, { type: 'Record' }>;

/** The schema of one server's call policies, in Cedar's JSON form (one namespace, unnamed). */
export interface CedarSchemaJson {
  '': {
    entityTypes: Record<string, { shape: CedarRecordType }>;
    actions: Record<string, { appliesTo: { principalTypes: string[]; resourceTypes: string[]; context: CedarRecordType } }>;
  };
}

/** The principal of every call: the verified caller. */
export const CALLER_TYPE = 'Caller';
/** The resource of a call whose tool declares none: the tool itself. */
export const TOOL_TYPE = 'Tool';

const STRING = { type: 'String' } as const;
const CALLER_SHAPE: CedarRecordType = {
  type: 'Record',
  attributes: { subject: STRING, client_id: STRING, scopes: { type: 'Set', element: STRING }, groups: { type: 'Set', element: STRING } },
};
const TOOL_SHAPE: CedarRecordType = { type: 'Record', attributes: { name: STRING, owner: STRING, scope: STRING, classification: STRING } };

type AnyTool = ToolDefinition<z.ZodObject<z.ZodRawShape>, z.ZodObject<z.ZodRawShape>, never>;

/**
 * The Cedar schema of a server's tools: each tool an action whose context carries its validated
 * arguments (`context.arguments`, typed from its input schema), called by a `Caller` on the
 * resource the tool declares (`resource`), or on the `Tool` itself. Arguments Cedar cannot
 * represent (fractional numbers, nulls, unions) are left out: a policy that reads one fails
 * validation, so no rule silently depends on them.
 */
export function cedarSchemaOf(tools: readonly AnyTool[]): CedarSchemaJson {
  const entityTypes: CedarSchemaJson['']['entityTypes'] = { [CALLER_TYPE]: { shape: CALLER_SHAPE }, [TOOL_TYPE]: { shape: TOOL_SHAPE } };
  const actions: CedarSchemaJson['']['actions'] = {};
  for (const tool of tools) {
    const resourceType = tool.resource?.type ?? TOOL_TYPE;
    if (tool.resource) {
      const shape = recordOfSchema(tool.resource.shape);
      const known = entityTypes[resourceType];
      if (known && JSON.stringify(known.shape) !== JSON.stringify(shape)) {
        throw new ToolDefinitionError(`Tool "${tool.name}": resource type ${resourceType} is declared with another shape by another tool`);
      }
      entityTypes[resourceType] = { shape };
    }
    const argumentsType = recordOfSchema(tool.input);
    actions[tool.name] = { appliesTo: { principalTypes: [CALLER_TYPE], resourceTypes: [resourceType], context: { type: 'Record', attributes: { arguments: argumentsType } } } };
  }
  return { '': { entityTypes, actions } };
}

type JsonSchema = { type?: unknown; properties?: Record<string, JsonSchema>; required?: string[]; items?: JsonSchema };

/**
 * Policies see validated values: the output side of the schema (defaults applied, dates as ISO
 * text); where a transform hides the output's type (`Handle` lower-cases a string), its input's.
 */
function recordOfSchema(schema: z.ZodObject<z.ZodRawShape>): CedarRecordType {
  const side = (io: 'input' | 'output') =>
    z.toJSONSchema(schema, {
      io,
      unrepresentable: 'any',
      override: ({ zodSchema, jsonSchema }) => {
        if (zodSchema._zod.def.type === 'date') jsonSchema.type = 'string';
      },
    }) as JsonSchema;
  return recordOf(side('output'), side('input'));
}

function recordOf(output: JsonSchema, input: JsonSchema | undefined): CedarRecordType {
  const attributes: Record<string, CedarAttribute> = {};
  const required = new Set(output.required ?? []);
  for (const [name, property] of Object.entries(output.properties ?? {})) {
    const type = cedarTypeOf(property, input?.properties?.[name]);
    if (type) attributes[name] = required.has(name) ? type : { ...type, required: false };
  }
  return { type: 'Record', attributes };
}

/** A JSON Schema (zod's conversion) as a Cedar type, or undefined when Cedar has no exact equivalent. */
function cedarTypeOf(output: JsonSchema, input: JsonSchema | undefined): CedarType | undefined {
  switch (output.type) {
    case 'string':
      return STRING;
    case 'integer':
      return { type: 'Long' };
    case 'boolean':
      return { type: 'Boolean' };
    case 'array': {
      const element = output.items && cedarTypeOf(output.items, input?.items);
      return element ? { type: 'Set', element } : undefined;
    }
    case 'object':
      return recordOf(output, input);
    case undefined:
      // A transform's output: typed as what it was given, when that is not itself hidden.
      return input && input.type !== undefined ? cedarTypeOf(input, undefined) : undefined;
    default:
      return undefined;
  }
}
