import { z } from 'zod';
import { redact, REDACTED, sensitive } from '../src/audit/redact';

describe('redact', () => {
  const Node: z.ZodType<{ secret: string; children: unknown[] }> = z.lazy(() =>
    z.object({ secret: sensitive(z.string()), children: z.array(Node) }),
  );
  const schema = z.object({
    user: z.string(),
    token: sensitive(z.string()),
    optionalSecret: sensitive(z.string()).optional(),
    nested: z.object({ apiKey: sensitive(z.string()), label: z.string() }).optional(),
    list: z.array(z.object({ pin: sensitive(z.number()), note: z.string() })).default([]),
    nullable: z.object({ secret: sensitive(z.string()) }).nullable(),
    headers: z.record(z.string(), sensitive(z.string())).optional(),
    choice: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('a'), plain: z.string() }),
      z.object({ kind: z.literal('b'), password: sensitive(z.string()) }),
    ]).optional(),
    either: z.union([z.string(), z.object({ key: sensitive(z.string()) })]).optional(),
    pair: z.tuple([z.string(), sensitive(z.string())]).optional(),
    tree: Node.optional(),
  });

  it('replaces sensitive parts wherever they appear and keeps the rest', () => {
    const value = {
      user: 'alice',
      token: 't0k3n',
      optionalSecret: 's3cr3t',
      nested: { apiKey: 'k3y', label: 'main' },
      list: [{ pin: 1234, note: 'a' }],
      nullable: { secret: 'x' },
      headers: { authorization: 'Bearer abc' },
      choice: { kind: 'b', password: 'pw' },
      either: { key: 'second-branch' },
      pair: ['visible', 'hidden'],
      tree: { secret: 'root', children: [{ secret: 'leaf', children: [] }] },
      unknownField: 'kept as sent',
    };
    expect(redact(value, schema)).toEqual({
      user: 'alice',
      token: REDACTED,
      optionalSecret: REDACTED,
      nested: { apiKey: REDACTED, label: 'main' },
      list: [{ pin: REDACTED, note: 'a' }],
      nullable: { secret: REDACTED },
      headers: { authorization: REDACTED },
      choice: { kind: 'b', password: REDACTED },
      either: { key: REDACTED },
      pair: ['visible', REDACTED],
      tree: { secret: REDACTED, children: [{ secret: REDACTED, children: [] }] },
      unknownField: 'kept as sent',
    });
  });

  it('redacts sensitive fields even when their value has the wrong type', () => {
    expect(redact({ token: { nested: 'leak' } }, schema)).toEqual({ token: REDACTED });
  });
});
