import { z } from 'zod';

/** The verified caller. Built from token claims; the token itself is not kept. */
export interface Actor {
  readonly subject: string;
  readonly clientId: string;
  readonly scopes: ReadonlySet<string>;
  /** The groups the identity provider says the caller belongs to (the claim named by GROUPS_CLAIM), for call policies. */
  readonly groups?: ReadonlySet<string>;
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
export function actorFromClaims(claims: unknown, scopePrefix = '', groupsClaim = 'groups'): Actor | undefined {
  const parsed = AccessTokenClaims.safeParse(claims);
  if (!parsed.success) return undefined;
  const { sub, iss, exp, client_id, azp, cid, appid, jti, scope, scp } = parsed.data;
  const unprefixed = (name: string) => (scopePrefix && name.startsWith(scopePrefix) ? name.slice(scopePrefix.length) : name);
  return {
    subject: sub,
    // Never fall back to `sub`: a user and a client must not be confused in the audit trail.
    clientId: client_id ?? azp ?? cid ?? appid ?? 'unknown',
    scopes: new Set(splitScopes(scope ?? scp).map(unprefixed)),
    groups: new Set(groupsOf((claims as Record<string, unknown>)[groupsClaim])),
    issuer: iss,
    tokenId: jti,
    expiresAt: exp,
  };
}

/**
 * A subject as an identity provider's stable id is written: no surrounding spaces, no control
 * or invisible characters, Unicode NFC, at most 255 characters. Anything else is refused at
 * authentication, so that `alice` and ` alice` or `al\u200bice` never pass as two people.
 */
export function isCanonicalSubject(subject: string): boolean {
  return subject.length <= 255 && subject === subject.trim() && subject === subject.normalize('NFC') && !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(subject);
}

/**
 * Who a subject is, for the rules where two spellings of one person must never count as two:
 * four-eyes (a requester deciding their own request) and rate limits. Subjects are compared
 * exactly everywhere else (OpenID Connect subjects are case-sensitive); comparing these on a
 * case-folded form can only refuse more, never let more through.
 */
export function personOf(subject: string): string {
  return subject.normalize('NFKC').toLowerCase();
}

/** A groups claim: a list of names, or one space-separated string; anything else counts as none. */
function groupsOf(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  return Array.isArray(value) ? value.filter((group): group is string => typeof group === 'string' && group.length > 0) : [];
}

function splitScopes(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : value.split(' ');
  return list.filter(Boolean);
}
