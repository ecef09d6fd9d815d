import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDevDirectory, loadOrCreateSigningKey, mintAccessToken, startDevIssuer, type DevIssuer } from '@gmcp/dev-issuer';
import { startLimitedIdentityProvider, type LimitedIdentityProvider } from '@gmcp/dev-issuer/testing';
import { FACADE_PATHS } from '@gmcp/mcp-kit/platform';
import { approvalServer, SERVER_MODULES, SERVER_NAMES, type ServerName, type StageConfig } from '@gmcp/infra';
import { CONSOLE_CLIENT_ID, CONSOLE_CLIENT_SCOPES, consoleClientRegistration } from '@gmcp/console/deployment-contract';
import { devGroupsOf, devUsersFile } from '../local-contract';

/**
 * Which identity provider a loopback stage has: the development issuer used directly, or one
 * that lacks what MCP clients need, the way Entra ID or Cognito does, in front of it (then the
 * stage fronts it with the authorization façade).
 */
export type StageIdentityStyle = 'direct' | 'entra' | 'cognito';

export interface StageIdentity {
  readonly style: StageIdentityStyle;
  readonly auth: StageConfig['auth'];
  /** A service's audience and the provider's prefix on its scopes, as its stage file would say them. */
  service(name: ServerName): { audience: string; scopePrefix: string };
  readonly provider?: LimitedIdentityProvider;
  /** What an administrator does at the provider once a server has its URL: its façade's callback on the client it hands out. */
  registerServer(name: ServerName, publicUrl: string): Promise<void>;
  /** What an administrator does for the approvals console: its confidential client, with its callback and secret (direct stages only). */
  registerConsole(callbackUrl: string, secret: string): Promise<void>;
  /** A token as the provider would issue it (direct stages only: the others sign in through the façade). */
  token(service: ServerName, sub: string, scopes: string[], clientId?: string): Promise<string>;
  stop(): Promise<void>;
}

/** The public client the Entra-like provider has registered for the platform's assistants. */
export const FACADE_CLIENT_ID = 'gmcp-e2e-assistants';

/** Each API as the upstream development issuer knows it. */
const apiOf = (service: string) => `api://gmcp-e2e/${service}`;
/** Cognito: one app client per server, whose id is the server's audience. */
const cognitoClientOf = (service: string) => `gmcp-e2e-${service}`;

/** Assistants' redirect URIs the façade allows: any loopback port, as Claude Code and VS Code use. */
const ASSISTANT_REDIRECTS = ['http://127.0.0.1/callback', 'http://localhost/callback'];

export async function startStageIdentity(style: StageIdentityStyle): Promise<StageIdentity> {
  const dir = await mkdtemp(join(tmpdir(), 'gmcp-stage-identity-'));
  const key = await loadOrCreateSigningKey(join(dir, 'signing-key.json'));
  const issuer: DevIssuer = await startDevIssuer(key, {
    port: 0,
    directory: loadDevDirectory(devUsersFile()),
    apis: SERVER_NAMES.map((service) => ({ resource: apiOf(service), name: service, scopes: SERVER_MODULES[service].scopes })),
    // As an IdP grants an application a permission: only the console may hold approvals:decide and audit:read, for the approval server.
    clientScopes: (clientId, resource) => (clientId === CONSOLE_CLIENT_ID && resource === apiOf(approvalServer()) ? CONSOLE_CLIENT_SCOPES : []),
  });
  const prefixOf = (service: string) => (style === 'cognito' ? `${cognitoClientOf(service)}/` : `${apiOf(service)}/`);
  const provider =
    style === 'direct' ? undefined : await startLimitedIdentityProvider({ style, upstream: issuer.issuer, apis: Object.fromEntries(SERVER_NAMES.map((service) => [prefixOf(service), apiOf(service)])) });
  const callbacks = new Map<ServerName, string>();

  const auth: StageConfig['auth'] = {
    issuer: provider?.issuer ?? issuer.issuer,
    jwksUrl: provider?.jwksUrl ?? issuer.jwksUrl,
    approverClientIds: ['approvals-console'],
    audienceClaim: style === 'cognito' ? 'client_id' : 'aud',
    ...(provider
      ? {
          facade: {
            authorizationEndpoint: provider.authorizationEndpoint,
            tokenEndpoint: provider.tokenEndpoint,
            ...(style === 'entra' ? { clientId: FACADE_CLIENT_ID } : {}),
            redirectUris: ASSISTANT_REDIRECTS,
            resourceParameter: 'omit' as const,
          },
        }
      : {}),
  };
  const publicClient = (clientId: string, redirectUris: readonly string[]) => ({
    client_id: clientId,
    client_name: 'Governed MCP platform (assistants)',
    redirect_uris: [...redirectUris],
    // The callbacks are on loopback here (http), which the issuer accepts from native clients only.
    application_type: 'native' as const,
    token_endpoint_auth_method: 'none' as const,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code' as const],
  });

  return {
    style,
    auth,
    provider,
    service: (name) => ({ audience: style === 'cognito' ? cognitoClientOf(name) : apiOf(name), scopePrefix: provider ? prefixOf(name) : '' }),
    async registerServer(name, publicUrl) {
      if (!provider) return;
      callbacks.set(name, `${publicUrl}${FACADE_PATHS.callback}`);
      if (style === 'cognito') await issuer.registerClient(publicClient(cognitoClientOf(name), [callbacks.get(name)!]));
      else await issuer.registerClient(publicClient(FACADE_CLIENT_ID, [...callbacks.values()]));
    },
    async registerConsole(callbackUrl, secret) {
      if (provider) throw new Error(`The console on a ${style}-like stage signs in at that provider: not wired in the loopback stage yet`);
      await issuer.registerClient(consoleClientRegistration(callbackUrl, secret));
    },
    token: (service, sub, scopes, clientId) => {
      if (provider) throw new Error(`A ${style}-like stage's tokens come from signing in through the façade`);
      return mintAccessToken(key, { issuer: issuer.issuer, subject: sub, audience: apiOf(service), scopes, groups: devGroupsOf(sub), ttlSeconds: 300, ...(clientId ? { clientId } : {}) });
    },
    stop: async () => {
      await provider?.stop();
      await issuer.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
