import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNING_ALGORITHM, type SigningKey } from './signing-key';

export interface DevIssuer {
  /** The `iss` value of tokens it signs, e.g. http://127.0.0.1:4100 */
  readonly issuer: string;
  readonly jwksUrl: string;
  stop(): Promise<void>;
}

/**
 * Local-only identity provider: publishes the development key as a JWKS with an
 * OpenID discovery document. It signs nothing over HTTP; tokens come from the CLI.
 */
export async function startDevIssuer(key: SigningKey, options: { port: number; host?: string }): Promise<DevIssuer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}`;
  const documents = issuerDocuments(issuer, key);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const document = req.method === 'GET' ? documents.get(new URL(req.url ?? '/', issuer).pathname) : undefined;
    res.writeHead(document ? 200 : 404, { 'content-type': 'application/json', 'cache-control': 'max-age=60' });
    res.end(JSON.stringify(document ?? { error: 'not_found' }));
  });
  return {
    issuer,
    jwksUrl: `${issuer}/.well-known/jwks.json`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function issuerDocuments(issuer: string, key: SigningKey): Map<string, unknown> {
  const metadata = {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    response_types_supported: ['token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
    token_endpoint_auth_methods_supported: ['none'],
  };
  return new Map<string, unknown>([
    ['/.well-known/jwks.json', { keys: [key.publicJwk] }],
    ['/.well-known/openid-configuration', metadata],
    ['/.well-known/oauth-authorization-server', metadata],
  ]);
}
