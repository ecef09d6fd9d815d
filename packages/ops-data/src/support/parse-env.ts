import type { z } from 'zod';
import { DatabaseEnvError } from '../errors';

/** Parses variables with `schema`, an empty variable counting as unset; a refusal names every variable at fault. */
export function parseDatabaseEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    variable: String(issue.path[0] ?? '(root)'),
    message: issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message,
  }));
  const text = problems.map(({ variable, message }) => `${variable} ${message}`).join('; ');
  throw new DatabaseEnvError(`Invalid configuration: ${text}`, [...new Set(problems.map(({ variable }) => variable))]);
}
