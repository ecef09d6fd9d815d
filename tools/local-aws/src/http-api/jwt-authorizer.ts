import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';

export interface JwtAuthorizerSettings {
  issuer: string;
  /** Matched against `aud`, or `client_id` when the token has no `aud`. */
  audiences: readonly string[];
}

export type AuthorizerVerdict =
  | { ok: true; claims: Record<string, string>; scopes: string[] | null }
  | { ok: false; status: 401 | 403; message: 'Unauthorized' | 'Forbidden' };

const UNAUTHORIZED = { ok: false, status: 401, message: 'Unauthorized' } as const;

/**
 * What an HTTP API's JWT authorizer does before it invokes a function: reads a bearer token
 * from `Authorization`, finds the issuer's keys through its OpenID configuration, accepts
 * RSA signatures only, checks `iss`, `aud` (or `client_id`), `exp`, `nbf` and `iat`, and
 * requires one of the route's scopes in `scope` or `scp`. Claims reach the function as
 * strings: numbers stringified, arrays as "[a b]".
 */
export function createJwtAuthorizer(settings: JwtAuthorizerSettings) {
  let keys: ReturnType<typeof createRemoteJWKSet> | undefined;
  const keySet = async () => {
    if (keys) return keys;
    const response = await fetch(`${settings.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
    const { jwks_uri } = (await response.json()) as { jwks_uri: string };
    keys = createRemoteJWKSet(new URL(jwks_uri));
    return keys;
  };
  return async (authorization: string | undefined, routeScopes: readonly string[]): Promise<AuthorizerVerdict> => {
    const token = authorization?.replace(/^Bearer\s+/i, '').trim();
    if (!token) return UNAUTHORIZED;
    let payload: JWTPayload;
    try {
      if (!decodeProtectedHeader(token).alg?.startsWith('RS')) return UNAUTHORIZED;
      ({ payload } = await jwtVerify(token, await keySet(), { issuer: settings.issuer, algorithms: ['RS256', 'RS384', 'RS512'] }));
    } catch {
      return UNAUTHORIZED;
    }
    if (payload.iat !== undefined && payload.iat > Date.now() / 1000 + 60) return UNAUTHORIZED;
    const audiences = payload.aud === undefined ? [payload.client_id] : [payload.aud].flat();
    if (!audiences.some((audience) => typeof audience === 'string' && settings.audiences.includes(audience))) return UNAUTHORIZED;
    const granted = scopesOf(payload);
    if (routeScopes.length > 0 && !routeScopes.some((scope) => granted.includes(scope))) return { ok: false, status: 403, message: 'Forbidden' };
    return { ok: true, claims: stringClaims(payload), scopes: routeScopes.length > 0 ? routeScopes.filter((scope) => granted.includes(scope)) : null };
  };
}

function scopesOf(payload: JWTPayload): string[] {
  const value = payload.scope ?? payload.scp;
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' ? value.split(' ').filter(Boolean) : [];
}

function stringClaims(payload: JWTPayload): Record<string, string> {
  return Object.fromEntries(
    Object.entries(payload).map(([name, value]) => [name, Array.isArray(value) ? `[${value.join(' ')}]` : typeof value === 'object' ? JSON.stringify(value) : String(value)]),
  );
}
