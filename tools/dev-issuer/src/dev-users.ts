import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** A scope as RFC 6749 §3.3 spells one: printable ASCII without space, quote or backslash. */
const ScopeToken = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope is one word of printable characters');

const DevUser = z.strictObject({
  name: z.string().min(1),
  /** Shown on the login page, so that a tester picks the right person. */
  role: z.string().min(1),
  scopes: z.array(ScopeToken),
  /** The groups tokens for this user carry (`groups` claim), which call policies read. */
  groups: z.array(z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'a group is lowercase letters, digits and -')).default([]),
});
export type DevUser = z.output<typeof DevUser> & { readonly id: string };

const DevDirectoryFile = z.strictObject({
  $comment: z.string().optional(),
  users: z
    .record(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a user id is lowercase letters, digits, _ and -'), DevUser)
    .refine((users) => Object.keys(users).length > 0, 'at least one user'),
});

/** The development directory: who can sign in to the local authorization server, and what each holds. */
export interface DevDirectory {
  readonly users: readonly DevUser[];
  find(id: string): DevUser | undefined;
}

/** An issuer for minted tokens only: nobody can sign in. */
export const NO_USERS: DevDirectory = { users: [], find: () => undefined };

export function devDirectory(input: unknown): DevDirectory {
  const parsed = DevDirectoryFile.parse(input);
  const users = Object.entries(parsed.users).map(([id, user]) => ({ id, ...user }));
  const byId = new Map(users.map((user) => [user.id, user]));
  return { users, find: (id) => byId.get(id) };
}

/** Reads config/dev-users.json (or another file); a broken file stops the issuer with the reason. */
export function loadDevDirectory(path: string): DevDirectory {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`The development users file ${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  const parsed = DevDirectoryFile.safeParse(json);
  if (!parsed.success) throw new Error(`The development users file ${path} is invalid:\n${z.prettifyError(parsed.error)}`);
  return devDirectory(parsed.data);
}
