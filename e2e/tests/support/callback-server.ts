import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A client's loopback redirect URI: answers the browser and keeps the query it arrived with. */
export interface CallbackServer {
  /** e.g. http://127.0.0.1:50123/callback */
  readonly url: string;
  readonly received: URLSearchParams[];
  stop(): Promise<void>;
}

export async function startCallbackServer(): Promise<CallbackServer> {
  const received: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    received.push(new URL(req.url ?? '/', 'http://callback').searchParams);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Signed in</title><p>You can close this window.</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    received,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
