import { z } from 'zod';
import { createToolSet, defineTool, ToolDefinitionError, type ToolSpec } from '../src/platform';

type Spec = ToolSpec<z.ZodObject<z.ZodRawShape>, z.ZodObject<z.ZodRawShape>, unknown>;

const base: Spec = {
  name: 'get_thing',
  title: 'Get thing',
  description: 'Gets a thing',
  owner: 'team-a',
  scope: 'things:read',
  risk: 'low',
  access: 'read',
  classification: 'internal',
  input: z.object({ id: z.string().describe('The thing id') }),
  output: z.object({ id: z.string(), size: z.number().default(1) }),
  handler: async ({ id }) => ({ id }),
};

const tool = (overrides: Partial<Spec> = {}) => defineTool({ ...base, ...overrides });

describe('createToolSet guard rails', () => {
  it.each<[string, Partial<Spec>, RegExp]>([
    ['a missing owner', { owner: ' ' }, /owner/],
    ['a missing scope', { scope: '' }, /scope/],
    ['a malformed scope', { scope: 'Things Read' }, /scope/],
    ['a name that is not snake_case', { name: 'Get-Thing' }, /snake_case/],
    ['a missing description', { description: '' }, /description/],
  ])('refuses a tool with %s', (_case, overrides, message) => {
    expect(() => createToolSet([tool(overrides)], { serverAccess: 'read' })).toThrow(message);
  });

  it('refuses duplicate names', () => {
    expect(() => createToolSet([tool(), tool()], { serverAccess: 'read' })).toThrow(ToolDefinitionError);
    expect(() => createToolSet([tool(), tool()], { serverAccess: 'read' })).toThrow(/Duplicate tool name "get_thing"/);
  });

  it('refuses a write tool in a read-only server but accepts it in a write server', () => {
    const writer = tool({ name: 'set_thing', access: 'write' });
    expect(() => createToolSet([writer], { serverAccess: 'read' })).toThrow(/read-only server/);
    expect(createToolSet([writer], { serverAccess: 'write' }).has('set_thing')).toBe(true);
  });
});

describe('wire schemas', () => {
  it('derives JSON Schema for input (as sent) and output (as returned)', () => {
    const registered = createToolSet([tool()], { serverAccess: 'read' }).get('get_thing')!;
    expect(registered.inputJsonSchema).toMatchObject({
      type: 'object',
      properties: { id: { type: 'string', description: 'The thing id' } },
      required: ['id'],
    });
    // A defaulted field is always present in output, so the output schema requires it.
    expect(registered.outputJsonSchema).toMatchObject({ type: 'object', required: ['id', 'size'] });
  });
});
