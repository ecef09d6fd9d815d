import { z } from 'zod';
import { ConfigError, defineServer, defineTool, ServiceEnvSchema, toolsFor, ToolDefinitionError, ToolError, ToolInputError } from '../src';
import { invokeTool } from '../src/testing';

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
  const GreeterEnv = ServiceEnvSchema.extend({ PUNCTUATION: z.string().max(3).default('.') });
  const baseEnv = { PORT: '0', AUTH_ISSUER: 'https://issuer.test', LOG_LEVEL: 'SILENT', AUDIT_HMAC_KEY: Buffer.alloc(32, 7).toString('base64') };
  const declare = (events: string[], options: { failDeps?: boolean } = {}) =>
    defineServer({
      name: 'greeter',
      version: '1.2.3',
      access: 'read',
      env: GreeterEnv,
      tools: [greet],
      additionalScopes: ['greetings:loud'],
      deps(env, { onClose }) {
        onClose(async () => void events.push('first closed'));
        onClose(async () => void events.push('second closed'));
        if (options.failDeps) throw new Error('database unreachable');
        return { punctuation: env.PUNCTUATION };
      },
    });

  it('derives the module from the one declaration: identity, tools, advertised scopes', () => {
    const server = declare([]);
    expect(server).toMatchObject({ name: 'greeter', version: '1.2.3', access: 'read', tools: [greet] });
    expect(server.scopes).toEqual(['greetings:loud', 'greetings:read']);
  });

  it('prepares from the environment: deps built from the parsed variables, overridable by tests, closed in reverse order', async () => {
    const events: string[] = [];
    const prepared = await declare(events).prepare({ ...baseEnv, PUNCTUATION: '!' });
    expect(prepared.definition).toMatchObject({ name: 'greeter', version: '1.2.3', access: 'read', tools: [greet], deps: { punctuation: '!' } });
    expect(prepared.env.PORT).toBe(0);
    await prepared.close();
    expect(events).toEqual(['second closed', 'first closed']);

    const replaced = await declare([]).prepare(baseEnv, { deps: { punctuation: '?' } });
    expect(replaced.definition.deps).toEqual({ punctuation: '?' });
  });

  it('refuses a bad environment before building anything', async () => {
    const events: string[] = [];
    await expect(declare(events).prepare({ ...baseEnv, PUNCTUATION: '!!!!' })).rejects.toThrow(/PUNCTUATION/);
    await expect(declare(events).prepare({ AUTH_ISSUER: 'https://issuer.test' })).rejects.toThrow(/PORT/);
    expect(events).toEqual([]);
  });

  it('checks its tools against the guard rails before building anything', async () => {
    let built = false;
    const writer = defineTool({ ...greet, name: 'rename', access: 'write' });
    const server = defineServer({ name: 'greeter', version: '1', access: 'read', env: GreeterEnv, tools: [greet, writer], deps: () => ((built = true), { punctuation: '.' }) });
    await expect(server.prepare(baseEnv)).rejects.toThrow(new ToolDefinitionError('Tool "rename": a write tool cannot be served by a read-only server'));
    expect(built).toBe(false);
  });

  it('closes what deps registered when building them fails', async () => {
    const events: string[] = [];
    await expect(declare(events, { failDeps: true }).prepare(baseEnv)).rejects.toThrow('database unreachable');
    expect(events).toEqual(['second closed', 'first closed']);
  });

  it('refuses to run as another server than the registry names, locally and on Lambda alike', async () => {
    const events: string[] = [];
    await expect(declare(events).prepare({ ...baseEnv, GMCP_SERVER: 'ops-writer' })).rejects.toThrow(
      new ConfigError('Invalid configuration: this process is registered as ops-writer, but its module is greeter', ['GMCP_SERVER']),
    );
    await expect(declare(events).start({ ...baseEnv, GMCP_SERVER: 'greeter', GMCP_SERVER_ACCESS: 'write' })).rejects.toThrow(
      'config/servers.json registers greeter as write, but its module is read',
    );
    expect(events).toEqual([]);
    await expect(declare(events).prepare({ ...baseEnv, GMCP_SERVER: 'greeter', GMCP_SERVER_ACCESS: 'read' })).resolves.toBeDefined();
  });
});

describe('toolsFor', () => {
  it('types ctx.deps from the server once, with no annotation in the handler', async () => {
    const tool = toolsFor<{ suffix: string }>();
    const { title, description, owner, scope, risk, access, classification, input, output } = greet;
    const shout = tool({
      ...{ title, description, owner, scope, risk, access, classification, input, output },
      name: 'shout',
      handler: async ({ name }, ctx) => ({ greeting: `${name.toUpperCase()}${ctx.deps.suffix}`, by: ctx.actor.subject }),
    });
    await expect(invokeTool(shout, { name: 'ada' }, { deps: { suffix: '!!' } })).resolves.toMatchObject({ output: { greeting: 'ADA!!', by: 'alice' } });
  });
});
