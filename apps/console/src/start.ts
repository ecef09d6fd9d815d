import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { consoleConfig, type ConsoleConfig } from './config';
import { createConsoleApp } from './app';
import { createSessionStore, type SessionStore } from './sessions';
import { createSignIn, type SignIn } from './sign-in';
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
  const parsed = consoleConfig(env);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(parsed.PORT, parsed.HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const config: ConsoleConfig = parsed.PUBLIC_URL ? parsed : { ...parsed, publicUrl: parsed.publicUrl.replace(/:\d+$/, `:${port}`) };
  const sessions = createSessionStore({ idleMs: config.SESSION_IDLE_SECONDS * 1000 });
  server.on('request', createConsoleApp({ config, sessions, signIn: lazySignIn(config, sessions), writer: createWriterApi(config.WRITER_URL), audit: options.audit }));
  return {
    url: config.publicUrl,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The issuer's metadata is read at the first sign-in (and again after a failure), so that the console starts before the issuer answers. */
function lazySignIn(config: ConsoleConfig, sessions: SessionStore): SignIn {
  let ready: Promise<SignIn> | undefined;
  const signIn = () =>
    (ready ??= createSignIn(config, sessions).catch((error: unknown) => {
      ready = undefined;
      throw error;
    }));
  return {
    start: async (returnTo) => (await signIn()).start(returnTo),
    finish: async (url, state) => (await signIn()).finish(url, state),
  };
}
