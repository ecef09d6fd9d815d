import { KeyObject } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, type ProtectedHeaderParameters } from 'jose';
import { AuthenticationError, IdentityProviderUnavailableError } from '../errors/errors';
import type { JwksSettings } from '../config/service-config';

/** Finds the public key that should have signed a token. */
export interface KeyResolver {
  (rawToken: string): Promise<KeyObject>;
  /** Fetches the key set now, once (a cold start overlaps it with its other reads); a failure is left to the first token. */
  prefetch(): Promise<void>;
}

/**
 * Resolves signing keys from the issuer's JWKS with jose: keys are cached,
 * an unknown `kid` triggers a refetch, and refetches are rate-limited by a cooldown.
 * Tokens whose header names an algorithm outside the allowlist (`none`, any HMAC)
 * are refused before any key is looked up.
 */
export function createJwksKeyResolver(auth: JwksSettings): KeyResolver {
  const jwks = createRemoteJWKSet(new URL(auth.jwksUrl), {
    cooldownDuration: auth.jwksCooldownMs,
    cacheMaxAge: auth.jwksCacheMaxAgeMs,
    timeoutDuration: 5000,
  });
  const allowed = new Set<string>(auth.algorithms);

  const resolve = async (rawToken: string) => {
    const header = readHeader(rawToken);
    if (!header.alg || !allowed.has(header.alg)) throw new AuthenticationError('algorithm_not_allowed');
    try {
      const key: unknown = await jwks(header);
      return key instanceof KeyObject ? key : KeyObject.from(key as CryptoKey);
    } catch (error) {
      throw classifyJwksError(error);
    }
  };
  let prefetched: Promise<void> | undefined;
  return Object.assign(resolve, { prefetch: () => (prefetched ??= jwks.reload().catch(() => undefined)) });
}

function readHeader(rawToken: string): ProtectedHeaderParameters {
  try {
    return decodeProtectedHeader(rawToken);
  } catch (error) {
    throw new AuthenticationError('malformed_token', { cause: error });
  }
}

function classifyJwksError(error: unknown): Error {
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return new AuthenticationError('unknown_key', { cause: error });
  }
  if (error instanceof joseErrors.JOSENotSupported || error instanceof joseErrors.JWKInvalid) {
    return new AuthenticationError('algorithm_not_allowed', { cause: error });
  }
  return new IdentityProviderUnavailableError('The identity provider signing keys could not be fetched', { cause: error });
}
