// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- dynalite ships no types; this makes them visible to every importer
/// <reference path="./dynalite.d.ts" />
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { withWriteTransactions } from './dynamodb-transactions';

export interface LocalDynamoDb {
  /** e.g. http://127.0.0.1:4110 */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * dynalite: the DynamoDB API on loopback, with write transactions added in front of it. With a
 * `path` the data persists in LevelDB across restarts (local mode); without one it lives in
 * memory (tests).
 */
export async function startLocalDynamoDb(options: { port?: number; path?: string } = {}): Promise<LocalDynamoDb> {
  const store = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const { server, stop: stopTransactions } = await withWriteTransactions(store);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close(() => void stopTransactions().then(resolve, reject));
      }),
  };
}
