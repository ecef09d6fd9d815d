import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createAuthorizationServer, ROUTES } from './authorization-server';
import type { ClientMetadataFetchPolicy } from './client-metadata-fetch';
import { NO_USERS, type DevDirectory } from './dev-users';
import { interactionRoutes } from './interactions';
import { reportIssuerEvents, type IssuerLogger } from './issuer-events';
import type { ClientMetadata } from './oidc-provider';
import { STYLESHEET, STYLESHEET_PATH } from './pages';
import { createResourceCatalog, type ProtectedResource } from './protected-resources';
import type { SigningKey } from './signing-key';

export interface DevIssuer {
  /** The `iss` value of tokens it signs, e.g. http://127.0.0.1:4100 */
  readonly issuer: string;
  readonly jwksUrl: string;
  /** Registers (or replaces) a client, as an administrator pre-registers one at an identity provider. */
  registerClient(metadata: ClientMetadata): Promise<void>;
  stop(): Promise<void>;
}

export interface DevIssuerOptions {
  port: number;
  host?: string;
  /** Who can sign in (config/dev-users.json); nobody when unset (an issuer for minted tokens only). */
  directory?: DevDirectory;
  /** The MCP endpoints tokens may be issued for; read on each request (servers start after the issuer). */
  resources?: () => readonly string[];
  /** APIs known by configuration rather than by their metadata (e.g. `api://…` audiences, as an enterprise identity provider registers them). */
  apis?: readonly ProtectedResource[];
  /** Default 15 minutes. */
  accessTokenTtlSeconds?: number;
  /** Default 14 days. */
  refreshTokenTtlSeconds?: number;
  /** Client ID metadata documents: loopback refused, 5 KiB, 2.5 s unless set. */
  clientMetadataFetch?: Partial<ClientMetadataFetchPolicy>;
  /** Offer client ID metadata documents (default); off, clients register dynamically instead (a machine with no internet access). */
  clientIdMetadataDocuments?: boolean;
  /** Scopes one client may have for a server beyond what the server advertises (the approvals console's `approvals:decide`). */
  clientScopes?: (clientId: string, resource: string) => readonly string[];
  /** Keeps registered clients, grants and refresh tokens across restarts. */
  stateFile?: string;
  clients?: readonly ClientMetadata[];
  /** Registrations, sign-ins, tokens issued and refusals (silent when unset). */
  logger?: IssuerLogger;
}

const DEFAULT_FETCH_POLICY: ClientMetadataFetchPolicy = { allowLoopback: false, timeoutMs: 2500, maxBytes: 5 * 1024 };

/**
 * The local authorization server (`npm start` runs it on 127.0.0.1:4100): OAuth 2.1 for
 * MCP clients on oidc-provider, with login and consent pages for the development users.
 * It signs with the development key, whose JWKS every server already trusts, so tokens it
 * issues and those `npm run token` mints verify the same way.
 */
export async function startDevIssuer(key: SigningKey, options: DevIssuerOptions): Promise<DevIssuer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer();
  await listen(server, options.port, host);
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}`;
  const directory = options.directory ?? NO_USERS;
  const resources = createResourceCatalog({ issuer, resources: options.resources ?? (() => []), ...(options.apis ? { apis: options.apis } : {}) });
  const provider = createAuthorizationServer({
    issuer,
    key,
    directory,
    resources,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 900,
    refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? 14 * 86_400,
    clientMetadataFetch: { ...DEFAULT_FETCH_POLICY, ...options.clientMetadataFetch },
    clientIdMetadataDocuments: options.clientIdMetadataDocuments ?? true,
    cookieKeys: [randomBytes(32).toString('base64url')],
    ...(options.stateFile ? { stateFile: options.stateFile } : {}),
    ...(options.clients ? { clients: options.clients } : {}),
    ...(options.clientScopes ? { clientScopes: options.clientScopes } : {}),
  });
  reportIssuerEvents(provider, options.logger ?? SILENT);
  const oidc = provider.callback();

  const app = express();
  app.disable('x-powered-by');
  // No page of the issuer (consent, sign-out, errors) may be framed by another site.
  app.use((_req, res, next) => {
    res.set({ 'x-frame-options': 'DENY', 'content-security-policy': "frame-ancestors 'none'", 'x-content-type-options': 'nosniff' });
    next();
  });
  app.get(STYLESHEET_PATH, (_req, res) => void res.type('css').set('cache-control', 'max-age=300').send(STYLESHEET));
  // RFC 8414 metadata: the same document as OpenID discovery, at the OAuth well-known path.
  app.get('/.well-known/oauth-authorization-server', (req, res) => {
    req.url = '/.well-known/openid-configuration';
    oidc(req, res);
  });
  app.use('/interaction', interactionRoutes(provider, directory, resources, issuer));
  app.use((req, res) => oidc(req, res));
  server.on('request', app);

  return {
    issuer,
    jwksUrl: `${issuer}${ROUTES.jwks}`,
    registerClient: async (metadata) => {
      // Where oidc-provider keeps dynamically registered clients (typed only on its other models).
      const clients = (provider.Client as unknown as { adapter: { upsert(id: string, payload: object): Promise<void> } }).adapter;
      await clients.upsert(metadata.client_id, { ...metadata });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const SILENT: IssuerLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}
