import { Passport } from 'passport';

export type JwtPassport = InstanceType<typeof Passport>;
import { ExtractJwt, Strategy as JwtStrategy, type VerifiedCallback } from 'passport-jwt';
import { AuthenticationError, KitError, type AuthenticationFailure } from '../errors';
import type { ServiceConfig } from '../config/service-config';
import { actorFromClaims } from './actor';
import type { KeyResolver } from './jwks-key-resolver';

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
        const actor = actorFromClaims(claims, auth.scopePrefix);
        if (actor) done(null, actor);
        else done(null, false, new AuthenticationError('invalid_claims'));
      },
    ),
  );
  return passport;
}

/** A token with no audience of its own, issued to one of the clients accepted here (and refused if it names an audience). */
function issuedToAudience(claims: unknown, audiences: readonly string[]): boolean {
  const { aud, client_id } = (claims ?? {}) as { aud?: unknown; client_id?: unknown };
  return aud === undefined && typeof client_id === 'string' && audiences.includes(client_id);
}

/** Turns whatever passport-jwt reports (jsonwebtoken errors included) into a kit error. */
export function toKitAuthError(info: unknown): KitError {
  if (info instanceof KitError) return info;
  return new AuthenticationError(classifyJsonWebTokenError(info), { cause: info });
}

// jsonwebtoken distinguishes most failures only by class name and message text;
// this is the one place that reads them.
function classifyJsonWebTokenError(info: unknown): AuthenticationFailure {
  const name = info instanceof Error ? info.name : '';
  const message = info instanceof Error ? info.message : '';
  if (name === 'TokenExpiredError') return 'expired';
  if (name === 'NotBeforeError') return 'not_yet_valid';
  if (message.startsWith('jwt issuer invalid')) return 'invalid_issuer';
  if (message.startsWith('jwt audience invalid')) return 'invalid_audience';
  if (message === 'invalid algorithm') return 'algorithm_not_allowed';
  if (message === 'invalid signature') return 'invalid_signature';
  return 'malformed_token';
}
