import * as oidc from 'openid-client';
import { CONSOLE_SCOPES, type ConsoleConfig } from './config';
import type { Session, SessionStore } from './sessions/session-store';

/**
 * OpenID Connect sign-in with openid-client (certified relying party): authorization code with
 * PKCE S256, state and nonce, the issuer's `iss` in the response checked (RFC 9207), and the
 * resource indicator naming the writer, so that the access token the console holds is good
 * for the writer's approval API and nothing else.
 */
export async function createSignIn(config: ConsoleConfig, sessions: SessionStore) {
  // Plain HTTP only reaches here for a development issuer on loopback (the configuration refuses it elsewhere).
  const insecure = new URL(config.AUTH_ISSUER).protocol === 'http:';
  // client_secret_basic, as the console's client is registered (openid-client would otherwise post the secret in the body).
  const issuer = await oidc.discovery(new URL(config.AUTH_ISSUER), config.CONSOLE_CLIENT_ID, config.CONSOLE_CLIENT_SECRET, oidc.ClientSecretBasic(config.CONSOLE_CLIENT_SECRET), {
    ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
  });
  const redirectUri = `${config.publicUrl}/callback`;
  return {
    /** Where to send the browser to sign in, returning to `returnTo` afterwards. */
    async start(returnTo: string): Promise<{ url: URL; state: string }> {
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const pending = await sessions.beginSignIn({ codeVerifier, returnTo });
      const url = oidc.buildAuthorizationUrl(issuer, {
        redirect_uri: redirectUri,
        scope: CONSOLE_SCOPES.join(' '),
        resource: config.WRITER_RESOURCE,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url, state: pending.state };
    },
    /** Completes a sign-in from the callback URL, with the state its cookie names; throws when anything does not match. */
    async finish(callbackUrl: URL, stateCookie: string | undefined): Promise<{ session: Session; returnTo: string }> {
      const pending = await sessions.takeSignIn(stateCookie);
      if (!pending) throw new SignInError('This sign-in has expired or was already used: sign in again.');
      const tokens = await oidc.authorizationCodeGrant(issuer, callbackUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims || typeof claims.sub !== 'string') throw new SignInError('The identity provider did not say who signed in.');
      const session = await sessions.create({
        subject: claims.sub,
        name: typeof claims.name === 'string' ? claims.name : claims.sub,
        scopes: new Set((tokens.scope ?? '').split(' ').filter(Boolean)),
        accessToken: tokens.access_token,
        accessTokenExpiresAt: Date.now() + (tokens.expiresIn() ?? 300) * 1000,
      });
      return { session, returnTo: pending.returnTo };
    },
  };
}
export type SignIn = Awaited<ReturnType<typeof createSignIn>>;

/** A sign-in that cannot complete: shown to the user as a page, never a stack. */
export class SignInError extends Error {}

/** The issuer's metadata is read at the first sign-in (and again after a failure), so that the console starts before the issuer answers. */
export function lazySignIn(config: ConsoleConfig, sessions: SessionStore): SignIn {
  let ready: Promise<SignIn> | undefined;
  const signIn = () =>
    (ready ??= createSignIn(config, sessions).catch((error: unknown) => {
      ready = undefined;
      throw error;
    }));
  return {
    start: async (returnTo) => (await signIn()).start(returnTo),
    finish: async (url, state) => (await signIn()).finish(url, state),
  };
}
