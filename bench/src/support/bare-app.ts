import express from 'express';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { EchoInput, EchoOutput } from './echo-schemas';

/**
 * The bare SDK's stateless server with the echo tool, on express as the kit serves it, with no
 * auth, policy or audit: what the benchmarks set the kit beside. `beforeReply` runs in the
 * tool's handler (the bare Lambda's one durable write).
 */
export function bareMcpApp(beforeReply: (message: string) => Promise<void> = async () => undefined) {
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'bare', version: '1.0.0' });
    server.registerTool('echo', { description: 'Echoes a message', inputSchema: EchoInput, outputSchema: EchoOutput }, async ({ message }) => {
      await beforeReply(message);
      return { content: [{ type: 'text', text: JSON.stringify({ message }) }], structuredContent: { message } };
    });
    return server;
  });
  const node = toNodeHandler(handler);
  const app = express();
  app.use(express.json());
  app.post('/mcp', (req, res) => void node(req, res, req.body));
  return { app, close: () => handler.close() };
}
