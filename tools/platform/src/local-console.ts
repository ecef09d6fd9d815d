import { listenConsole, type ListeningConsole, type RunningConsole } from '@gmcp/console';
import { CONSOLE_CLIENT_ID, consoleClientRegistration } from '@gmcp/console/deployment-contract';
import type { DevIssuer } from '@gmcp/dev-issuer';
import type { AuditReader, RunningService } from '@gmcp/mcp-kit/platform';
import { consoleSecretPath, LOCAL_HOST, localPort } from './local-contract';
import { loadOrCreateKey } from './local-secrets';

type Env = Record<string, string | undefined>;

/**
 * The approvals console beside the writer: its own port (4104, CONSOLE_PORT), signing users in at
 * the development authorization server as the confidential client `approvals-console` (its
 * secret kept in the state folder, its redirect URI registered once the console listens), and
 * deciding through the writer's approval API with the signed-in user's token; auditors read the
 * local audit trail through `audit`.
 */
export function listenLocalConsole(env: Env, ephemeralPorts: boolean): Promise<ListeningConsole> {
  return listenConsole(consoleListenEnv(env, ephemeralPorts));
}

/** Serves the console that listens already (its URL went into the writer's notifications and links) once the writer runs. */
export async function serveLocalConsole(listening: ListeningConsole, issuer: DevIssuer, writer: RunningService, env: Env, ephemeralPorts: boolean, audit: AuditReader): Promise<RunningConsole> {
  const secret = await loadOrCreateKey(consoleSecretPath(env), 48);
  const running = listening.serve({
    ...consoleListenEnv(env, ephemeralPorts),
    AUTH_ISSUER: issuer.issuer,
    CONSOLE_CLIENT_ID,
    CONSOLE_CLIENT_SECRET: secret,
    WRITER_URL: new URL(writer.config.resourceUrl).origin,
    WRITER_RESOURCE: writer.config.resourceUrl,
    ...(env.CONSOLE_SESSION_IDLE_SECONDS ? { SESSION_IDLE_SECONDS: env.CONSOLE_SESSION_IDLE_SECONDS } : {}),
  }, { audit });
  await issuer.registerClient(consoleClientRegistration(`${running.url}/callback`, secret));
  return running;
}

const consoleListenEnv = (env: Env, ephemeralPorts: boolean) => ({ HOST: LOCAL_HOST, PORT: String(ephemeralPorts ? 0 : localPort('console', env)) });
