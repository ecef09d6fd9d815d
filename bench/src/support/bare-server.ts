import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bareMcpApp } from './bare-app';

/** A bare SDK stateless server with the same echo tool: the handler alone, served, without the kit. */
export async function startBareServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const bare = bareMcpApp();
  const server: Server = createServer(bare.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    stop: async () => {
      await bare.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
