import { createHash } from 'node:crypto';
import { DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { z } from 'zod';
import { SESSION_TABLE_KEY, SESSION_TTL_ATTRIBUTE } from '../deployment-contract';
import { isLive, randomToken, SIGN_IN_TTL_MS, type PendingSignIn, type Session, type SessionStore } from './session-store';

/** The console's sessions table: one item per session or sign-in under way, removed by TTL on `purge_at`. */
export function consoleSessionTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: SESSION_TABLE_KEY, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: SESSION_TABLE_KEY, KeyType: 'HASH' }],
  };
}

const StoredSession = z.object({
  subject: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  access_token: z.string(),
  access_token_expires_at: z.number(),
  csrf: z.string(),
  last_seen_at: z.number(),
});
const StoredSignIn = z.object({ nonce: z.string(), code_verifier: z.string(), return_to: z.string(), started_at: z.number() });

/** How stale `last_seen_at` may get before a request writes it again (fewer writes; the idle time stays within this). */
const TOUCH_AFTER_MS = 30_000;

/**
 * Sessions shared by every Lambda instance of the console. Keys are hashes of the cookie's
 * session id and of the sign-in state, so that the table alone never yields a usable cookie.
 * A sign-in's state is taken with a delete that returns what it removed: once, even under races.
 */
export function createDynamoDbSessionStore(client: DynamoDBClient, tableName: string, options: { idleMs: number; clock?: () => number }): SessionStore {
  const clock = options.clock ?? Date.now;
  const key = (kind: 'session' | 'sign-in', secret: string) => marshall({ [SESSION_TABLE_KEY]: `${kind}#${createHash('sha256').update(secret).digest('base64url')}` });
  const purgeAt = (ms: number) => Math.ceil(ms / 1000);
  const remove = (kind: 'session' | 'sign-in', secret: string) => client.send(new DeleteItemCommand({ TableName: tableName, Key: key(kind, secret), ReturnValues: 'ALL_OLD' }));

  return {
    async create(fields) {
      const now = clock();
      const session: Session = { ...fields, id: randomToken(), csrf: randomToken(), lastSeenAt: now };
      const stored: z.input<typeof StoredSession> = {
        subject: session.subject,
        name: session.name,
        scopes: [...session.scopes],
        access_token: session.accessToken,
        access_token_expires_at: session.accessTokenExpiresAt,
        csrf: session.csrf,
        last_seen_at: now,
      };
      await client.send(new PutItemCommand({ TableName: tableName, Item: { ...key('session', session.id), ...marshall({ ...stored, [SESSION_TTL_ATTRIBUTE]: purgeAt(session.accessTokenExpiresAt) }) } }));
      return session;
    },
    async get(id) {
      if (id === undefined || id.length > 256) return undefined;
      const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: key('session', id), ConsistentRead: true }));
      const parsed = Item ? StoredSession.safeParse(unmarshall(Item)) : undefined;
      if (!parsed?.success) return undefined;
      const stored = parsed.data;
      const now = clock();
      const session: Session = {
        id,
        subject: stored.subject,
        name: stored.name,
        scopes: new Set(stored.scopes),
        accessToken: stored.access_token,
        accessTokenExpiresAt: stored.access_token_expires_at,
        csrf: stored.csrf,
        lastSeenAt: stored.last_seen_at,
      };
      if (!isLive(session, now, options.idleMs)) {
        await remove('session', id);
        return undefined;
      }
      if (now - session.lastSeenAt > TOUCH_AFTER_MS) {
        await client.send(new UpdateItemCommand({ TableName: tableName, Key: key('session', id), UpdateExpression: 'SET last_seen_at = :now', ExpressionAttributeValues: marshall({ ':now': now }) }));
      }
      session.lastSeenAt = now;
      return session;
    },
    async end(id) {
      if (id !== undefined && id.length <= 256) await remove('session', id);
    },
    async beginSignIn(fields) {
      const now = clock();
      const pending: PendingSignIn = { ...fields, state: randomToken(), nonce: randomToken(), startedAt: now };
      const stored: z.input<typeof StoredSignIn> = { nonce: pending.nonce, code_verifier: pending.codeVerifier, return_to: pending.returnTo, started_at: now };
      await client.send(new PutItemCommand({ TableName: tableName, Item: { ...key('sign-in', pending.state), ...marshall({ ...stored, [SESSION_TTL_ATTRIBUTE]: purgeAt(now + SIGN_IN_TTL_MS) }) } }));
      return pending;
    },
    async takeSignIn(state) {
      if (state === undefined || state.length > 256) return undefined;
      const { Attributes } = await remove('sign-in', state);
      const parsed = Attributes ? StoredSignIn.safeParse(unmarshall(Attributes)) : undefined;
      if (!parsed?.success || clock() - parsed.data.started_at > SIGN_IN_TTL_MS) return undefined;
      return { state, nonce: parsed.data.nonce, codeVerifier: parsed.data.code_verifier, returnTo: parsed.data.return_to, startedAt: parsed.data.started_at };
    },
  };
}
