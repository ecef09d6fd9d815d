import { z } from 'zod';
import { isLoopbackOrigin as isLoopbackUrl } from '@gmcp/mcp-kit';
import { CONSOLE_CLIENT_ID } from './deployment-contract';

/** A URL the console sends secrets, codes or tokens to, or is reached at: HTTPS, or plain HTTP on this machine only. */
const SecureUrl = z.url().refine((url) => URL.parse(url)?.protocol === 'https:' || isLoopbackUrl(url), 'must be https (plain http only on loopback)');

/** Where the console listens, and the origin browsers reach it at. */
export const ConsoleListenEnv = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(4104),
  PUBLIC_URL: SecureUrl.optional(),
});

/** The console's environment: where it listens, who signs users in, and the writer whose approvals it shows. */
export const ConsoleEnv = z
  .object({
    ...ConsoleListenEnv.shape,
    /** The OpenID Connect issuer users sign in with (locally the development authorization server). */
    AUTH_ISSUER: SecureUrl,
    /** The console's client at the issuer: a confidential client with the authorization code flow and PKCE. */
    CONSOLE_CLIENT_ID: z.string().min(1).default(CONSOLE_CLIENT_ID),
    CONSOLE_CLIENT_SECRET: z.string().min(32, 'must be at least 32 characters'),
    /** The writer's base URL: its approval API is `<WRITER_URL>/approvals`. */
    WRITER_URL: SecureUrl,
    /** The resource the console's access tokens are for: the writer's token audience (its MCP URL, or an API identifier such as api://…). */
    WRITER_RESOURCE: z
      .string()
      .min(1)
      .refine((value) => URL.parse(value)?.protocol !== 'http:' || isLoopbackUrl(value), 'must not be plain http (except on loopback)'),
    /** A session ends after this long without a request. */
    SESSION_IDLE_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
  })
  .transform((env) => {
    const publicUrl = (env.PUBLIC_URL ?? `http://${env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST}:${env.PORT}`).replace(/\/$/, '');
    return { ...env, publicUrl, loopback: isLoopbackUrl(publicUrl) };
  });
export type ConsoleConfig = z.output<typeof ConsoleEnv>;

/** The configuration, or an error naming every variable that is wrong. */
export function consoleConfig(env: Record<string, string | undefined>): ConsoleConfig {
  const parsed = ConsoleEnv.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new Error(`Invalid console configuration: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
}

/** What the console asks for: who the user is, the right to read and decide approvals on the writer, and to read the audit trail (granted to those who hold each). */
export const CONSOLE_SCOPES = ['openid', 'approvals:read', 'approvals:decide', 'audit:read'] as const;
