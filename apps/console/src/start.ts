import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { consoleConfig, ConsoleListenEnv, type ConsoleConfig } from './config';
import { createConsoleApp } from './app';
import { createMemorySessionStore } from './sessions/memory-session-store';
import { lazySignIn } from './sign-in';
import { createWriterApi } from './writer-api';
import type { AuditReader } from '@gmcp/mcp-kit/audit';

export interface RunningConsole {
  /** Where browsers reach it; its sign-in callback is `<url>/callback`. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts the console on HOST and PORT (0: a free one, its URL known once it listens), signing
 * users in at AUTH_ISSUER and deciding through the writer at WRITER_URL; auditors read the
 * trail through `options.audit`.
 */
export async function startConsole(env: Record<string, string | undefined>, options: { audit?: AuditReader } = {}): Promise<RunningConsole> {
  const listening = await listenConsole(env);
  return listening.serve(env, options);
}

/** A console that listens but does not serve yet: its URL is known before what it needs is (the writer links to it). */
export interface ListeningConsole {
  readonly url: string;
  /** Serves with the full configuration (HOST, PORT and PUBLIC_URL as when it started listening). */
  serve(env: Record<string, string | undefined>, options?: { audit?: AuditReader }): RunningConsole;
  stop(): Promise<void>;
}

export async function listenConsole(env: Record<string, string | undefined>): Promise<ListeningConsole> {
  const { HOST, PORT, PUBLIC_URL } = ConsoleListenEnv.parse(env);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(PORT, HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = (PUBLIC_URL ?? `http://${HOST.includes(':') ? `[${HOST}]` : HOST}:${port}`).replace(/\/$/, '');
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    url,
    serve(fullEnv, serveOptions = {}) {
      const parsed = consoleConfig(fullEnv);
      const config: ConsoleConfig = { ...parsed, publicUrl: url };
      const sessions = createMemorySessionStore({ idleMs: config.SESSION_IDLE_SECONDS * 1000 });
      server.on('request', createConsoleApp({ config, sessions, signIn: lazySignIn(config, sessions), writer: createWriterApi(config.WRITER_URL), audit: serveOptions.audit }));
      return { url, stop };
    },
    stop,
  };
}
