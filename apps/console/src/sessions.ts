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

const SIGN_IN_TTL_MS = 10 * 60 * 1000;
/** Bounds on what unauthenticated requests (`GET /sign-in`) can make this process hold. */
const MAX_SIGN_INS = 10_000;
const MAX_SESSIONS = 10_000;

/**
 * Server-side sessions, in this process's memory: the cookie holds only a random id. A session
 * ends after `idleMs` without a request, when its token expires, or at sign-out.
 */
export function createSessionStore(options: { idleMs: number; clock?: () => number }) {
  const clock = options.clock ?? Date.now;
  const sessions = new Map<string, Session>();
  const signIns = new Map<string, PendingSignIn>();
  const live = (session: Session, now: number) => now - session.lastSeenAt <= options.idleMs && now < session.accessTokenExpiresAt;
  /** Drops what has expired, then the oldest entries beyond `max` (Maps keep insertion order). */
  const prune = <T>(entries: Map<string, T>, alive: (entry: T) => boolean, max: number) => {
    for (const [key, entry] of entries) if (!alive(entry)) entries.delete(key);
    for (const key of entries.keys()) {
      if (entries.size < max) break;
      entries.delete(key);
    }
  };
  return {
    create(fields: Omit<Session, 'id' | 'csrf' | 'lastSeenAt'>): Session {
      const now = clock();
      prune(sessions, (session) => live(session, now), MAX_SESSIONS);
      const session: Session = { ...fields, id: randomToken(), csrf: randomToken(), lastSeenAt: now };
      sessions.set(session.id, session);
      return session;
    },
    /** The live session under `id`, its idle clock restarted; undefined once idle too long or its token expired. */
    get(id: string | undefined): Session | undefined {
      const session = id === undefined ? undefined : sessions.get(id);
      if (!session) return undefined;
      const now = clock();
      if (!live(session, now)) {
        sessions.delete(session.id);
        return undefined;
      }
      session.lastSeenAt = now;
      return session;
    },
    end(id: string | undefined): void {
      if (id !== undefined) sessions.delete(id);
    },
    /** How many are held (tests). */
    size: () => ({ sessions: sessions.size, signIns: signIns.size }),
    beginSignIn(fields: Omit<PendingSignIn, 'state' | 'nonce' | 'startedAt'>): PendingSignIn {
      const now = clock();
      prune(signIns, (entry) => now - entry.startedAt <= SIGN_IN_TTL_MS, MAX_SIGN_INS);
      const pending = { ...fields, state: randomToken(), nonce: randomToken(), startedAt: now };
      signIns.set(pending.state, pending);
      return pending;
    },
    /** The sign-in `state` started, once: a replayed or stale callback finds nothing. */
    takeSignIn(state: string | undefined): PendingSignIn | undefined {
      const pending = state === undefined ? undefined : signIns.get(state);
      if (!pending) return undefined;
      signIns.delete(state!);
      return clock() - pending.startedAt <= SIGN_IN_TTL_MS ? pending : undefined;
    },
  };
}
export type SessionStore = ReturnType<typeof createSessionStore>;

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
