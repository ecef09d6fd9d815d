// The child side of startLocalDynamoDbProcess: dynalite (with write transactions) in a process of its own.
import { startLocalDynamoDb } from './local-dynamodb';

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as { port?: number; path?: string };
  const dynamodb = await startLocalDynamoDb(options);
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= dynamodb.stop().finally(() => process.exit(0)));
  process.on('message', (message) => message === 'stop' && void stop());
  // Ctrl-C reaches the whole process group: the parent decides when the store stops (after its last records).
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  // The parent went away without stopping us: close the store (LevelDB) cleanly, then leave.
  process.on('disconnect', () => void stop());
  process.send!({ endpoint: dynamodb.endpoint });
}

main().catch((error: unknown) => {
  process.send!({ error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
