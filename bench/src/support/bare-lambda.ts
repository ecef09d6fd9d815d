import { randomUUID } from 'node:crypto';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import serverless from 'serverless-http';
import { bareMcpApp } from './bare-app';

/**
 * The floor under every service's cold start: the bare SDK app (bare-app.ts) behind
 * serverless-http, as the kit's Lambda entry serves its own. With `BARE_TABLE` set, each call
 * first writes one DynamoDB item (the least a call that must leave a durable record can do).
 * Bundled and run by `npm run bench:lambda`, never deployed.
 */
const table = process.env.BARE_TABLE;
const dynamo = table ? new DynamoDBClient({ region: process.env.AWS_REGION, endpoint: process.env.DYNAMODB_ENDPOINT }) : undefined;

const { app } = bareMcpApp(async (message) => {
  if (dynamo) await dynamo.send(new PutItemCommand({ TableName: table, Item: { id: { S: randomUUID() }, message: { S: message } } }));
});

export const handler = serverless(app, { provider: 'aws', binary: false });
