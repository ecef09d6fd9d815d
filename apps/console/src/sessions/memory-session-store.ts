import { isLive, randomToken, SIGN_IN_TTL_MS, type PendingSignIn, type Session, type SessionStore } from './session-store';

/** Bounds on what unauthenticated requests (`GET /sign-in`) can make this process hold. */
const MAX_SIGN_INS = 10_000;
const MAX_SESSIONS = 10_000;

/** Sessions in this process's memory (one console process: npm start), bounded. */
export function createMemorySessionStore(options: { idleMs: number; clock?: () => number }): SessionStore & { size(): { sessions: number; signIns: number } } {
  const clock = options.clock ?? Date.now;
  const sessions = new Map<string, Session>();
  const signIns = new Map<string, PendingSignIn>();
  /** Drops what has expired, then the oldest entries beyond `max` (Maps keep insertion order). */
  const prune = <T>(entries: Map<string, T>, alive: (entry: T) => boolean, max: number) => {
    for (const [key, entry] of entries) if (!alive(entry)) entries.delete(key);
    for (const key of entries.keys()) {
      if (entries.size < max) break;
      entries.delete(key);
    }
  };
  return {
    async create(fields) {
      const now = clock();
      prune(sessions, (session) => isLive(session, now, options.idleMs), MAX_SESSIONS);
      const session: Session = { ...fields, id: randomToken(), csrf: randomToken(), lastSeenAt: now };
      sessions.set(session.id, session);
      return session;
    },
    async get(id) {
      const session = id === undefined ? undefined : sessions.get(id);
      if (!session) return undefined;
      const now = clock();
      if (!isLive(session, now, options.idleMs)) {
        sessions.delete(session.id);
        return undefined;
      }
      session.lastSeenAt = now;
      return session;
    },
    async end(id) {
      if (id !== undefined) sessions.delete(id);
    },
    /** How many are held (tests). */
    size: () => ({ sessions: sessions.size, signIns: signIns.size }),
    async beginSignIn(fields) {
      const now = clock();
      prune(signIns, (entry) => now - entry.startedAt <= SIGN_IN_TTL_MS, MAX_SIGN_INS);
      const pending = { ...fields, state: randomToken(), nonce: randomToken(), startedAt: now };
      signIns.set(pending.state, pending);
      return pending;
    },
    async takeSignIn(state) {
      const pending = state === undefined ? undefined : signIns.get(state);
      if (!pending) return undefined;
      signIns.delete(state!);
      return clock() - pending.startedAt <= SIGN_IN_TTL_MS ? pending : undefined;
    },
  };
}
