import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import type { LocalDynamoDb } from './local-dynamodb';

const STOP_TIMEOUT_MS = 15_000;

/**
 * dynalite in a Node process of its own, as DynamoDB is a service of its own: the store's work
 * (HTTP parsing, validation, LevelDB) runs beside the servers instead of in their event loop.
 * Same options and endpoint as startLocalDynamoDb; stopping closes its store before it exits.
 */
export async function startLocalDynamoDbProcess(options: { port?: number; path?: string } = {}): Promise<LocalDynamoDb> {
  const child = fork(resolve(__dirname, 'dynamodb-child.ts'), [JSON.stringify(options)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const answer = await new Promise<{ endpoint?: string; error?: string }>((resolveAnswer, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`The local DynamoDB process exited (${code}) before it was ready`)));
    child.once('message', (message) => resolveAnswer(message as { endpoint?: string; error?: string }));
  });
  child.removeAllListeners('exit');
  if (!answer.endpoint) {
    child.kill();
    throw new Error(`The local DynamoDB did not start: ${answer.error ?? 'no endpoint'}`);
  }
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  return {
    endpoint: answer.endpoint,
    stop: async () => {
      if (child.exitCode === null && child.connected) child.send('stop');
      // A store that does not close in time is ended: stopping never hangs.
      const timeout = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timeout);
    },
  };
}
