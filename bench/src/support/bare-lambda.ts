import { randomUUID } from 'node:crypto';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import express from 'express';
import serverless from 'serverless-http';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { z } from 'zod';

/**
 * The floor under every service's cold start: the bare SDK's stateless server with the echo
 * tool, on express behind serverless-http as the kit serves it, with no auth, policy or audit.
 * With `BARE_TABLE` set, each call first writes one DynamoDB item (the least a call that must
 * leave a durable record can do). Bundled and run by `npm run bench:lambda`, never deployed.
 */
const table = process.env.BARE_TABLE;
// The echo tool's schemas, written here: echo-tool.ts would bring the kit into the bundle.
const EchoInput = z.object({ message: z.string().max(100) });
const EchoOutput = z.object({ message: z.string() });
const dynamo = table ? new DynamoDBClient({ region: process.env.AWS_REGION, endpoint: process.env.DYNAMODB_ENDPOINT }) : undefined;

const mcp = createMcpHandler(() => {
  const server = new McpServer({ name: 'bare', version: '1.0.0' });
  server.registerTool('echo', { description: 'Echoes a message', inputSchema: EchoInput, outputSchema: EchoOutput }, async ({ message }) => {
    if (dynamo) await dynamo.send(new PutItemCommand({ TableName: table, Item: { id: { S: randomUUID() }, message: { S: message } } }));
    return { content: [{ type: 'text', text: JSON.stringify({ message }) }], structuredContent: { message } };
  });
  return server;
});
const node = toNodeHandler(mcp);
const app = express();
app.use(express.json());
app.post('/mcp', (req, res) => void node(req, res, req.body));

export const handler = serverless(app, { provider: 'aws', binary: false });
