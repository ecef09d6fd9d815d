import { Passport } from 'passport';

export type JwtPassport = InstanceType<typeof Passport>;
import { errors as jose, jwtVerify, type JWTPayload } from 'jose';
import type { KeyObject } from 'node:crypto';
import { ExtractJwt, Strategy as JwtStrategy, type VerifiedCallback } from 'passport-jwt';
import { AuthenticationError, KitError, type AuthenticationFailure } from '../errors/errors';
import type { ServiceConfig } from '../config/service-config';
import { actorFromClaims, isCanonicalSubject } from './actor';
import type { KeyResolver } from './jwks-key-resolver';
import { createVerifiedTokens } from './verified-tokens';

export const JWT_STRATEGY = 'jwt';

/**
 * A passport instance of its own (not the global singleton, so several services can
 * share a process) with the passport-jwt strategy. Key lookup is delegated to jose via
 * the resolver; passport-jwt checks signature, algorithm, issuer, audience and times.
 */
export function createJwtPassport(auth: ServiceConfig['auth'], resolveKey: KeyResolver, audiences: readonly string[] = [auth.audience]): JwtPassport {
  const passport = new Passport();
  passport.use(
    JWT_STRATEGY,
    new JwtStrategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKeyProvider: (_request, rawToken, done) => {
          resolveKey(String(rawToken)).then(
            (key) => done(null, key as never),
            (error: unknown) => done(error),
          );
        },
        issuer: auth.issuer,
        // Without an `aud` claim (Cognito), the audience is the client the token was issued to: checked below.
        ...(auth.audienceClaim === 'aud' ? { audience: [...audiences] } : {}),
        algorithms: [...auth.algorithms],
        jsonWebTokenOptions: { clockTolerance: auth.clockSkewSeconds },
      },
      (claims: unknown, done: VerifiedCallback) => {
        if (auth.audienceClaim === 'client_id' && !issuedToAudience(claims, audiences)) return done(null, false, new AuthenticationError('invalid_audience'));
        if (namesSeveralAudiences(claims)) return done(null, false, new AuthenticationError('several_audiences'));
        const { sub } = (claims ?? {}) as { sub?: unknown };
        if (typeof sub === 'string' && !isCanonicalSubject(sub)) return done(null, false, new AuthenticationError('invalid_subject'));
        const actor = actorFromClaims(claims, auth.scopePrefix, auth.groupsClaim);
        if (actor) done(null, actor);
        else done(null, false, new AuthenticationError('invalid_claims'));
      },
    ),
  );
  return passport;
}

/**
 * A token for several resources at once (`aud: [reader, writer]`) would let each of them replay
 * it to the other: only a token for exactly this server is taken.
 */
function namesSeveralAudiences(claims: unknown): boolean {
  const { aud } = (claims ?? {}) as { aud?: unknown };
  return Array.isArray(aud) && aud.length !== 1;
}

/** A token with no audience of its own, issued to one of the clients accepted here (and refused if it names an audience). */
function issuedToAudience(claims: unknown, audiences: readonly string[]): boolean {
  const { aud, client_id } = (claims ?? {}) as { aud?: unknown; client_id?: unknown };
  return aud === undefined && typeof client_id === 'string' && audiences.includes(client_id);
}

/**
 * passport-jwt verifies a token with its `JwtVerifier`, jsonwebtoken by default, whose
 * failures differ only by message text. The kit's verifier is jose's `jwtVerify` instead
 * (signature, algorithm, issuer, audience, `exp` and `nbf` with the clock tolerance), whose
 * failures are typed: `toKitAuthError` reads their classes. passport-jwt offers this seam for
 * exactly this; the kit is its only user in the process. A token already verified with the same
 * key and checks is not verified again until it expires (`createVerifiedTokens`).
 */
const verifiedTokens = createVerifiedTokens();

(JwtStrategy as unknown as { JwtVerifier: JwtVerifier }).JwtVerifier = (token, key, options, done) => {
  const checks = { issuer: options.issuer, audience: options.audience, algorithms: options.algorithms, clockTolerance: options.clockTolerance };
  const checksId = JSON.stringify(checks);
  const known = verifiedTokens.find(key, token, checksId);
  if (known) return done(null, known);
  jwtVerify(token, key, checks).then(
    ({ payload }) => {
      verifiedTokens.remember(key, token, checksId, payload, options.clockTolerance);
      done(null, payload);
    },
    (error: unknown) => done(error as Error),
  );
};

type JwtVerifier = (
  token: string,
  key: KeyObject,
  options: { issuer?: string; audience?: string | string[]; algorithms?: string[]; clockTolerance?: number },
  done: (error: Error | null, payload?: JWTPayload) => void,
) => void;

/** Turns whatever the strategy reports (jose's typed failures, the kit's own) into a kit error. */
export function toKitAuthError(info: unknown): KitError {
  if (info instanceof KitError) return info;
  return new AuthenticationError(failureOf(info), { cause: info });
}

function failureOf(error: unknown): AuthenticationFailure {
  if (error instanceof jose.JWTExpired) return 'expired';
  if (error instanceof jose.JWTClaimValidationFailed) {
    return ({ nbf: 'not_yet_valid', iss: 'invalid_issuer', aud: 'invalid_audience' } as const)[error.claim as 'nbf' | 'iss' | 'aud'] ?? 'invalid_claims';
  }
  if (error instanceof jose.JWSSignatureVerificationFailed) return 'invalid_signature';
  if (error instanceof jose.JOSEAlgNotAllowed) return 'algorithm_not_allowed';
  return 'malformed_token';
}
