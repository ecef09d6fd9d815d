import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The models a grant revocation takes with it (as oidc-provider's own memory adapter). */
const GRANT_MEMBERS = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode']);

type Payload = Record<string, unknown> & { grantId?: string; uid?: string; userCode?: string; consumed?: number };
interface Entry {
  payload: Payload;
  /** Epoch milliseconds; absent for what does not expire (registered clients). */
  expiresAt?: number;
}

/** The storage interface oidc-provider calls for each of its models (Session, Grant, RefreshToken, Client…). */
export interface ModelAdapter {
  upsert(id: string, payload: Payload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<Payload | undefined>;
  findByUid(uid: string): Promise<Payload | undefined>;
  findByUserCode(userCode: string): Promise<Payload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

/**
 * The authorization server's state (registered clients, grants, refresh tokens, sessions),
 * kept in memory and, given a file, written through to it after each change, so that
 * assistants stay connected across restarts of `npm start`. Development scale: lookups scan.
 */
export function createStateStore(file?: string): (model: string) => ModelAdapter {
  const entries = new Map<string, Entry>(file ? load(file) : []);
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const save = () => {
    if (!file) return;
    const now = Date.now();
    const kept = [...entries].filter(([, entry]) => entry.expiresAt === undefined || entry.expiresAt > now);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(`${file}.tmp`, JSON.stringify(kept), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  };
  const findWhere = (model: string, match: (payload: Payload) => boolean) =>
    [...entries.keys()].filter((key) => key.startsWith(`${model}:`)).map(live).find((entry) => entry && match(entry.payload))?.payload;

  return (model) => {
    const key = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        entries.set(key(id), { payload, ...(typeof expiresIn === 'number' ? { expiresAt: Date.now() + expiresIn * 1000 } : {}) });
        save();
      },
      async find(id) {
        return live(key(id))?.payload;
      },
      async findByUid(uid) {
        return findWhere(model, (payload) => payload.uid === uid);
      },
      async findByUserCode(userCode) {
        return findWhere(model, (payload) => payload.userCode === userCode);
      },
      async consume(id) {
        const entry = live(key(id));
        if (!entry) return;
        entry.payload.consumed = Math.floor(Date.now() / 1000);
        save();
      },
      async destroy(id) {
        entries.delete(key(id));
        save();
      },
      async revokeByGrantId(grantId) {
        for (const [name, entry] of entries) {
          if (entry.payload.grantId === grantId && GRANT_MEMBERS.has(name.slice(0, name.indexOf(':')))) entries.delete(name);
        }
        save();
      },
    };
  };
}

function load(file: string): [string, Entry][] {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as [string, Entry][];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    // A damaged state file costs the connected assistants a new sign-in, nothing more.
    console.warn(`The development issuer's state ${file} is unreadable and starts empty: ${(error as Error).message}`);
    return [];
  }
}
