import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';

/** Tokens a cache holds per key, at most (the oldest is forgotten first). */
const MAX_TOKENS_PER_KEY = 2_000;
/** How long a verified token without `exp` is remembered. */
const NO_EXPIRY_TTL_MS = 60_000;

interface Remembered {
  payload: JWTPayload;
  /** Epoch ms after which the token is verified again (and refused as expired). */
  until: number;
}

/**
 * Tokens whose signature and claims already verified with a key and the same checks: an
 * assistant sends the same access token on every call, and the RSA verification is the
 * costliest step of a call's authentication. A token is remembered only until it expires
 * (`exp` plus the clock tolerance: what jose itself would accept), per key object (a key gone
 * from the issuer's JWKS is no longer resolved, so its tokens are not found), and by its hash
 * (bearer tokens are not kept). Failures are never remembered.
 */
export function createVerifiedTokens(now: () => number = Date.now) {
  const byKey = new WeakMap<object, Map<string, Remembered>>();
  const id = (token: string, checks: string) => createHash('sha256').update(checks).update('\n').update(token).digest('base64url');

  return {
    find(key: object, token: string, checks: string): JWTPayload | undefined {
      const tokens = byKey.get(key);
      if (!tokens) return undefined;
      const tokenId = id(token, checks);
      const remembered = tokens.get(tokenId);
      if (remembered && remembered.until > now()) return remembered.payload;
      tokens.delete(tokenId);
      return undefined;
    },

    remember(key: object, token: string, checks: string, payload: JWTPayload, clockToleranceSeconds = 0): void {
      let tokens = byKey.get(key);
      if (!tokens) byKey.set(key, (tokens = new Map()));
      if (tokens.size >= MAX_TOKENS_PER_KEY) tokens.delete(tokens.keys().next().value!);
      const until = typeof payload.exp === 'number' ? (payload.exp + clockToleranceSeconds) * 1000 : now() + NO_EXPIRY_TTL_MS;
      tokens.set(id(token, checks), { payload: Object.freeze({ ...payload }), until });
    },
  };
}
