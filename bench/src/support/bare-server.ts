import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { EchoInput, EchoOutput } from './echo-tool';

/** A bare SDK stateless server with the same echo tool: the handler alone, served, without the kit. */
export async function startBareServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'bare', version: '1.0.0' });
    server.registerTool('echo', { description: 'Echoes a message', inputSchema: EchoInput, outputSchema: EchoOutput }, async ({ message }) => ({
      content: [{ type: 'text', text: JSON.stringify({ message }) }],
      structuredContent: { message },
    }));
    return server;
  });
  const node = toNodeHandler(handler);
  const app = express();
  app.use(express.json());
  app.post('/mcp', (req, res) => void node(req, res, req.body));
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    stop: async () => {
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
