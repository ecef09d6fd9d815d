import { z } from 'zod';
import { defineServer, defineTool, invokeTool, ToolDefinitionError, ToolError, ToolInputError, type PreparedService } from '../src';

const greet = defineTool({
  name: 'greet',
  title: 'Greet',
  description: 'Greets the caller by name.',
  owner: 'platform',
  scope: 'greetings:read',
  risk: 'low',
  access: 'read',
  classification: 'public',
  input: z.object({ name: z.string().min(1) }),
  output: z.object({ greeting: z.string(), by: z.string() }),
  handler: async ({ name }, ctx: { actor: { subject: string }; deps: { punctuation: string } }) => {
    if (name === 'nobody') throw new ToolError('Nobody to greet');
    return { greeting: `Hello ${name}${ctx.deps.punctuation}`, by: ctx.actor.subject };
  },
  render: ({ greeting }) => greeting,
});

describe('invokeTool', () => {
  const deps = { punctuation: '!' };

  it('validates the input, runs the handler with the caller and deps, and validates the output', async () => {
    await expect(invokeTool(greet, { name: 'Ada' }, { deps, actor: { subject: 'bob' } })).resolves.toEqual({
      output: { greeting: 'Hello Ada!', by: 'bob' },
      text: 'Hello Ada!',
      classification: 'public',
    });
  });

  it('refuses bad arguments as the kit does, and lets a tool error through', async () => {
    await expect(invokeTool(greet, { name: '' }, { deps })).rejects.toThrow(new ToolInputError('greet', ['name: Too small: expected string to have >=1 characters']));
    await expect(invokeTool(greet, { name: 'nobody' }, { deps })).rejects.toThrow(ToolError);
  });

  it('fails an output outside the declared schema, and a definition the kit would refuse', async () => {
    const sloppy = defineTool({ ...greet, handler: async () => ({ greeting: 42 }) as never });
    await expect(invokeTool(sloppy, { name: 'Ada' }, { deps })).rejects.toThrow(z.ZodError);
    const ownerless = defineTool({ ...greet, owner: '' });
    await expect(invokeTool(ownerless, { name: 'Ada' }, { deps })).rejects.toThrow(new ToolDefinitionError('Tool "greet": an owner (team) is required'));
  });
});

describe('defineServer', () => {
  type Deps = { punctuation: string };
  const prepared = (name: string, closed: string[]): PreparedService<Deps> => ({
    env: {} as PreparedService<Deps>['env'],
    definition: { name, version: '1', access: 'read', tools: [greet], deps: { punctuation: '.' } },
    close: async () => void closed.push(name),
  });

  it('refuses to start what prepare() built if it is not the declared server, closing it', async () => {
    const closed: string[] = [];
    const server = defineServer({ name: 'greeter', access: 'read', tools: [greet], parseEnv: () => ({}) as never, prepare: async () => prepared('impostor', closed) });
    await expect(server.start({})).rejects.toThrow('Server greeter: prepare() built "impostor" (read) with other tools than the server declares');
    expect(closed).toEqual(['impostor']);
  });
});
