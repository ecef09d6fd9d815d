import { z } from 'zod';

/** The verified caller. Built from token claims; the token itself is not kept. */
export interface Actor {
  readonly subject: string;
  readonly clientId: string;
  readonly scopes: ReadonlySet<string>;
  readonly issuer: string;
  readonly tokenId?: string;
  readonly expiresAt: number;
}

/** The claims the platform relies on; anything else in the token is ignored. */
const AccessTokenClaims = z.object({
  sub: z.string().min(1),
  iss: z.string().min(1),
  exp: z.number().int(),
  client_id: z.string().min(1).optional(),
  azp: z.string().min(1).optional(),
  /** Okta's client id claim. */
  cid: z.string().min(1).optional(),
  /** Entra ID's, in its v1 tokens. */
  appid: z.string().min(1).optional(),
  jti: z.string().optional(),
  scope: z.string().optional(),
  scp: z.union([z.string(), z.array(z.string())]).optional(),
});

/**
 * Returns the actor, or undefined when required claims are missing or malformed. Scopes
 * the identity provider names with this server's prefix (`api://…/tickets:read`) count as
 * the server's own (`tickets:read`).
 */
export function actorFromClaims(claims: unknown, scopePrefix = ''): Actor | undefined {
  const parsed = AccessTokenClaims.safeParse(claims);
  if (!parsed.success) return undefined;
  const { sub, iss, exp, client_id, azp, cid, appid, jti, scope, scp } = parsed.data;
  const unprefixed = (name: string) => (scopePrefix && name.startsWith(scopePrefix) ? name.slice(scopePrefix.length) : name);
  return {
    subject: sub,
    // Never fall back to `sub`: a user and a client must not be confused in the audit trail.
    clientId: client_id ?? azp ?? cid ?? appid ?? 'unknown',
    scopes: new Set(splitScopes(scope ?? scp).map(unprefixed)),
    issuer: iss,
    tokenId: jti,
    expiresAt: exp,
  };
}

function splitScopes(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : value.split(' ');
  return list.filter(Boolean);
}
