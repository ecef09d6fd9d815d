import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type express from 'express';
import { z } from 'zod';
import { awsAuditReader } from '@gmcp/mcp-kit/audit';
import { awsClientConfig } from '@gmcp/mcp-kit/lambda';
import { createConsoleApp } from './app';
import { consoleConfig } from './config';
import { createDynamoDbSessionStore } from './sessions/dynamodb-session-store';
import { lazySignIn } from './sign-in';
import { createWriterApi } from './writer-api';

const csv = z.string().transform((text) => text.split(',').map((part) => part.trim()).filter(Boolean));

/** What the console needs on AWS beyond its own variables (config.ts): where sessions, its secret and the audit trail are. */
export const AwsConsoleEnv = z.object({
  AWS_REGION: z.string().min(1),
  /** The sessions table every instance shares. */
  SESSION_TABLE: z.string().min(1),
  /** The SecureString holding the console's client secret (never in the function's environment). */
  CONSOLE_CLIENT_SECRET_PARAMETER: z.string().startsWith('/').optional(),
  /** Proxies in front of the gateway (CloudFront: 1), for the caller's address. */
  TRUST_PROXY: z.coerce.number().int().min(0).max(3).default(0),
  /** The audit trail for auditors: all four, or none (then the audit pages say so). */
  AUDIT_TABLE: z.string().min(1).optional(),
  /** Each server's audit key parameter: `server=/gmcp/<stage>/<server>/audit/hmac-key`, comma-separated. */
  AUDIT_KEY_PARAMETERS: csv.optional(),
  AUDIT_DIGEST_BUCKET: z.string().min(1).optional(),
  AUDIT_DIGEST_KEY_ID: z.string().min(1).optional(),
  /** Local peers only (the loopback AWS stage, tests). */
  DYNAMODB_ENDPOINT: z.url().optional(),
  SSM_ENDPOINT: z.url().optional(),
  S3_ENDPOINT: z.url().optional(),
  KMS_ENDPOINT: z.url().optional(),
});

/**
 * The console as its Lambda serves it: the same express app as `npm start`, with sessions in
 * DynamoDB (shared by every instance), its client secret read from SSM, and the audit trail
 * read through the kit's AWS audit reader. PUBLIC_URL is required (its callback URL).
 */
export async function createAwsConsole(source: Record<string, string | undefined>): Promise<{ app: express.Express; trustedHops: number }> {
  const parsed = AwsConsoleEnv.safeParse(source);
  if (!parsed.success) throw new Error(`Invalid console configuration: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  const env = parsed.data;
  if (!source.PUBLIC_URL) throw new Error('Invalid console configuration: PUBLIC_URL is required on Lambda (the URL browsers reach it at)');
  const region = env.AWS_REGION;
  const secret = source.CONSOLE_CLIENT_SECRET ?? (env.CONSOLE_CLIENT_SECRET_PARAMETER ? await secretParameter(new SSMClient(awsClientConfig({ region, endpoint: env.SSM_ENDPOINT })), env.CONSOLE_CLIENT_SECRET_PARAMETER) : undefined);
  const config = consoleConfig({ ...source, CONSOLE_CLIENT_SECRET: secret });
  const sessions = createDynamoDbSessionStore(new DynamoDBClient({ ...awsClientConfig({ region, endpoint: env.DYNAMODB_ENDPOINT }), maxAttempts: 2 }), env.SESSION_TABLE, { idleMs: config.SESSION_IDLE_SECONDS * 1000 });
  const app = createConsoleApp({ config, sessions, signIn: lazySignIn(config, sessions), writer: createWriterApi(config.WRITER_URL), audit: auditReaderOf(env) });
  return { app, trustedHops: env.TRUST_PROXY };
}

function auditReaderOf(env: z.output<typeof AwsConsoleEnv>) {
  const { AUDIT_TABLE, AUDIT_KEY_PARAMETERS, AUDIT_DIGEST_BUCKET, AUDIT_DIGEST_KEY_ID } = env;
  const given = [AUDIT_TABLE, AUDIT_KEY_PARAMETERS, AUDIT_DIGEST_BUCKET, AUDIT_DIGEST_KEY_ID].filter((value) => value !== undefined).length;
  if (given === 0) return undefined;
  if (given < 4) throw new Error('Invalid console configuration: AUDIT_TABLE, AUDIT_KEY_PARAMETERS, AUDIT_DIGEST_BUCKET and AUDIT_DIGEST_KEY_ID go together');
  const auditKeyParameters = Object.fromEntries(
    AUDIT_KEY_PARAMETERS!.map((pair) => {
      const [server, parameter] = pair.split('=', 2);
      if (!server || !parameter?.startsWith('/')) throw new Error(`Invalid console configuration: AUDIT_KEY_PARAMETERS: "${pair}" is not server=/parameter/name`);
      return [server, parameter];
    }),
  );
  return awsAuditReader({
    region: env.AWS_REGION,
    auditTable: AUDIT_TABLE!,
    auditKeyParameters,
    digestBucket: AUDIT_DIGEST_BUCKET!,
    digestKeyId: AUDIT_DIGEST_KEY_ID!,
    endpoints: { dynamodb: env.DYNAMODB_ENDPOINT, ssm: env.SSM_ENDPOINT, s3: env.S3_ENDPOINT, kms: env.KMS_ENDPOINT },
  });
}

async function secretParameter(ssm: SSMClient, name: string): Promise<string> {
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
  if (!Parameter?.Value) throw new Error(`The console's client secret parameter ${name} is empty`);
  return Parameter.Value;
}
