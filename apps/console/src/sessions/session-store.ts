import { randomBytes, timingSafeEqual } from 'node:crypto';

/** A signed-in user: who they are, the writer token the console acts with, and the CSRF token of their forms. */
export interface Session {
  readonly id: string;
  readonly subject: string;
  readonly name: string;
  readonly scopes: ReadonlySet<string>;
  /** Access token for the writer (its audience), used for the approval API on the user's behalf. */
  readonly accessToken: string;
  readonly accessTokenExpiresAt: number;
  /** Every state-changing form carries it; a post without it (or with another session's) is refused. */
  readonly csrf: string;
  lastSeenAt: number;
}

/** A sign-in under way: what the callback must find again (state, nonce, PKCE verifier) and where to return. */
export interface PendingSignIn {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly returnTo: string;
  readonly startedAt: number;
}

export type NewSession = Omit<Session, 'id' | 'csrf' | 'lastSeenAt'>;

/**
 * Server-side sessions: the cookie holds only a random id. A session ends after the idle time
 * without a request, when its token expires, or at sign-out; a sign-in's state is taken once.
 * In memory for one process (npm start), in DynamoDB where Lambda instances share them.
 */
export interface SessionStore {
  create(fields: NewSession): Promise<Session>;
  /** The live session under `id`, its idle clock restarted; undefined once idle too long or its token expired. */
  get(id: string | undefined): Promise<Session | undefined>;
  end(id: string | undefined): Promise<void>;
  beginSignIn(fields: Omit<PendingSignIn, 'state' | 'nonce' | 'startedAt'>): Promise<PendingSignIn>;
  /** The sign-in `state` started, once: a replayed or stale callback finds nothing. */
  takeSignIn(state: string | undefined): Promise<PendingSignIn | undefined>;
}

export const SIGN_IN_TTL_MS = 10 * 60 * 1000;

/** Whether a session is still usable at `now`. */
export const isLive = (session: Pick<Session, 'lastSeenAt' | 'accessTokenExpiresAt'>, now: number, idleMs: number) => now - session.lastSeenAt <= idleMs && now < session.accessTokenExpiresAt;

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison of a posted CSRF token with the session's. */
export function csrfMatches(session: Session, posted: unknown): boolean {
  if (typeof posted !== 'string') return false;
  const [a, b] = [Buffer.from(session.csrf), Buffer.from(posted)];
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Where to go after signing in: only a path on this console (`/approvals/…`), never another
 * site (`//evil.example`, `https://…`, `/\evil.example`): no open redirect.
 */
export function safeReturnPath(value: unknown): string {
  const controlCharacter = typeof value === 'string' && [...value].some((character) => character.charCodeAt(0) < 0x20);
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\') || controlCharacter) return '/approvals';
  return value;
}
