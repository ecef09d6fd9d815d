import { z } from 'zod';
import { redact, REDACTED, sensitive } from '../src';

describe('redact', () => {
  const schema = z.toJSONSchema(
    z.object({
      user: z.string(),
      token: sensitive(z.string()),
      optionalSecret: sensitive(z.string()).optional(),
      nested: z.object({ apiKey: sensitive(z.string()), label: z.string() }).optional(),
      list: z.array(z.object({ pin: sensitive(z.number()), note: z.string() })).default([]),
      nullable: z.object({ secret: sensitive(z.string()) }).nullable(),
    }),
    { io: 'input' },
  ) as Parameters<typeof redact>[1];

  it('replaces sensitive fields wherever they appear and keeps the rest', () => {
    const value = {
      user: 'alice',
      token: 't0k3n',
      optionalSecret: 's3cr3t',
      nested: { apiKey: 'k3y', label: 'main' },
      list: [{ pin: 1234, note: 'a' }],
      nullable: { secret: 'x' },
      unknownField: 'kept as sent',
    };
    expect(redact(value, schema)).toEqual({
      user: 'alice',
      token: REDACTED,
      optionalSecret: REDACTED,
      nested: { apiKey: REDACTED, label: 'main' },
      list: [{ pin: REDACTED, note: 'a' }],
      nullable: { secret: REDACTED },
      unknownField: 'kept as sent',
    });
  });

  it('redacts sensitive fields even when their value has the wrong type', () => {
    expect(redact({ token: { nested: 'leak' } }, schema)).toEqual({ token: REDACTED });
  });
});
