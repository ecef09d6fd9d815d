import { startLocalDynamoDb, type LocalDynamoDb } from '@gmcp/local-aws';
import { createDynamoDbClient, ensureTables } from '@gmcp/mcp-kit/platform';
import { consoleSessionTableDefinition, createDynamoDbSessionStore } from '../src/sessions/dynamodb-session-store';
import { createMemorySessionStore } from '../src/sessions/memory-session-store';
import type { SessionStore } from '../src/sessions/session-store';

let dynamodb: LocalDynamoDb;
beforeAll(async () => {
  dynamodb = await startLocalDynamoDb();
  await ensureTables(createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint }), [consoleSessionTableDefinition('console-sessions')]);
});
afterAll(() => dynamodb.stop());

type Factory = (options: { idleMs: number; clock: () => number }) => SessionStore;
const adapters: [string, Factory][] = [
  ['memory (one process: npm start)', (options) => createMemorySessionStore(options)],
  ['DynamoDB (dynalite; every Lambda instance)', (options) => createDynamoDbSessionStore(createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint }), 'console-sessions', options)],
];

// One contract, both adapters: a session behaves the same in one process and across Lambda instances.
describe.each(adapters)('SessionStore contract: %s', (_name, create) => {
  const fields = { subject: 'carol', name: 'Carol', scopes: new Set(['approvals:decide']), accessToken: 't', accessTokenExpiresAt: 100_000 };

  it('finds a session by its id with what it was created with, until it is idle too long', async () => {
    let now = 0;
    const sessions = create({ idleMs: 60_000, clock: () => now });
    const session = await sessions.create(fields);
    now = 50_000;
    expect(await sessions.get(session.id)).toMatchObject({ id: session.id, subject: 'carol', name: 'Carol', scopes: new Set(['approvals:decide']), csrf: session.csrf });
    now = 100_001;
    expect(await sessions.get(session.id)).toBeUndefined();
    expect(await sessions.get('not-a-session')).toBeUndefined();
    expect(await sessions.get(undefined)).toBeUndefined();
  });

  it('ends a session after the idle time without a request, and restarts the idle clock on each', async () => {
    let now = 0;
    const sessions = create({ idleMs: 40_000, clock: () => now });
    const session = await sessions.create(fields);
    now = 35_000;
    expect(await sessions.get(session.id)).toBeDefined();
    now = 70_000;
    expect(await sessions.get(session.id)).toBeDefined();
    now = 111_000;
    expect(await sessions.get(session.id)).toBeUndefined();
  });

  it('ends a session when the token it acts with expires, and at sign-out', async () => {
    let now = 0;
    const sessions = create({ idleMs: 60_000, clock: () => now });
    const expiring = await sessions.create({ ...fields, accessTokenExpiresAt: 500 });
    now = 500;
    expect(await sessions.get(expiring.id)).toBeUndefined();
    const signedOut = await sessions.create({ ...fields, accessTokenExpiresAt: 100_000 });
    await sessions.end(signedOut.id);
    expect(await sessions.get(signedOut.id)).toBeUndefined();
  });

  it('takes a sign-in state once, and not after ten minutes', async () => {
    let now = 0;
    const sessions = create({ idleMs: 60_000, clock: () => now });
    const pending = await sessions.beginSignIn({ codeVerifier: 'v', returnTo: '/approvals/1' });
    expect(await sessions.takeSignIn(pending.state)).toEqual(pending);
    expect(await sessions.takeSignIn(pending.state)).toBeUndefined();
    const stale = await sessions.beginSignIn({ codeVerifier: 'v', returnTo: '/' });
    now = 10 * 60 * 1000 + 1;
    expect(await sessions.takeSignIn(stale.state)).toBeUndefined();
    expect(await sessions.takeSignIn(undefined)).toBeUndefined();
  });
});
