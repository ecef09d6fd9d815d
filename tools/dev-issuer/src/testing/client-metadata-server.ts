import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A test-only certificate for 127.0.0.1 (./tls): a test's issuer is told to trust it, nothing else is. */
export const LOOPBACK_CERTIFICATE = readFileSync(join(__dirname, 'tls', 'loopback-cert.pem'), 'utf8');
const LOOPBACK_KEY = readFileSync(join(__dirname, 'tls', 'loopback-key.pem'), 'utf8');

/** An https server on 127.0.0.1 that serves client ID metadata documents, as a client's web site would. */
export interface ClientMetadataServer {
  readonly origin: string;
  /** Serves `document(url)` at `path`, where `url` is the document's own URL (its client_id). */
  serve(path: string, document: (url: string) => unknown): string;
  /** Answers `path` with a redirect to `location`. */
  redirect(path: string, location: string): string;
  /** How many times each path was fetched. */
  readonly fetches: Map<string, number>;
  stop(): Promise<void>;
}

export async function startClientMetadataServer(): Promise<ClientMetadataServer> {
  const routes = new Map<string, (res: ServerResponse) => void>();
  const fetches = new Map<string, number>();
  const server = createServer({ cert: LOOPBACK_CERTIFICATE, key: LOOPBACK_KEY }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    fetches.set(path, (fetches.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (route) route(res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    fetches,
    serve(path, document) {
      const url = `${origin}${path}`;
      routes.set(path, (res) => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' }).end(JSON.stringify(document(url))));
      return url;
    },
    redirect(path, location) {
      routes.set(path, (res) => res.writeHead(302, { location }).end());
      return `${origin}${path}`;
    },
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
