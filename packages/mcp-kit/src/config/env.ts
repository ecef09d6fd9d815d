import { z } from 'zod';
import { ConfigError } from '../errors/errors';
import { DEFAULT_METRICS_NAMESPACE } from '../metrics/metrics';
import { edgeSecretValues } from './edge-secret';

/** Comma- or space-separated list in one variable. */
export const csv = z
  .string()
  .transform((value) => value.split(/[\s,]+/).filter(Boolean));

const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** The variables every service reads. Apps extend this schema with their own. */
export const ServiceEnvSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535),
  /** Base URL clients use to reach the service; derived from HOST and PORT when unset. */
  PUBLIC_URL: z.url().optional(),
  AUTH_ISSUER: z.url(),
  /** Defaults to this server's own MCP endpoint URL, so a token minted for another server is refused. */
  AUTH_AUDIENCE: z.string().min(1).optional(),
  AUTH_JWKS_URL: z.url().optional(),
  AUTH_ALGORITHMS: csv
    .pipe(z.array(z.enum(ASYMMETRIC_ALGORITHMS)).min(1))
    .default(['RS256', 'ES256']),
  /**
   * `aud` (RFC 9068), or `client_id` for an identity provider whose access tokens carry no
   * audience (Amazon Cognito): AUTH_AUDIENCE is then the app client made for this server.
   */
  AUTH_AUDIENCE_CLAIM: z.enum(['aud', 'client_id']).default('aud'),
  /**
   * How the identity provider names this server's scopes, when it prefixes them (Entra ID:
   * `api://…/`, Cognito: `<resource server>/`): tokens may carry either form, and the
   * authorization façade asks the provider for the prefixed one.
   */
  AUTH_SCOPE_PREFIX: z.string().default(''),
  /** The token claim that lists the caller's groups, for call policies (Entra ID: `groups`, Cognito: `cognito:groups`). */
  AUTH_GROUPS_CLAIM: z.string().min(1).default('groups'),
  /**
   * The authorization façade (docs/identity.md), for an identity provider that lacks what MCP
   * clients need: the server publishes RFC 8414 metadata pointing at the provider's endpoints,
   * answers registrations with one pre-registered public client, and relays authorization
   * and token requests. All four of the first variables, or none.
   */
  AUTH_FACADE_AUTHORIZATION_ENDPOINT: z.url().optional(),
  AUTH_FACADE_TOKEN_ENDPOINT: z.url().optional(),
  AUTH_FACADE_CLIENT_ID: z.string().min(1).optional(),
  /** The redirect URIs registered for that client at the provider; a registration asking for another is refused. */
  AUTH_FACADE_REDIRECT_URIS: csv.pipe(z.array(z.url())).optional(),
  AUTH_FACADE_REVOCATION_ENDPOINT: z.url().optional(),
  /** `omit` for a provider that refuses RFC 8707's `resource` (Entra ID): the scope prefix names the server instead. */
  AUTH_FACADE_RESOURCE_PARAMETER: z.enum(['forward', 'omit']).default('forward'),
  AUTH_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  AUTH_JWKS_COOLDOWN_SECONDS: z.coerce.number().int().min(1).default(30),
  AUTH_JWKS_CACHE_SECONDS: z.coerce.number().int().min(1).default(600),
  ALLOWED_ORIGINS: csv.pipe(z.array(z.url())).default([]),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(1024 * 1024),
  LOG_LEVEL: z.preprocess(
    (value) => (typeof value === 'string' ? value.toUpperCase() : value),
    z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']),
  ).default('INFO'),
  /** Host names clients may use besides PUBLIC_URL's (DNS-rebinding protection). */
  ALLOWED_HOSTS: csv.default([]),
  /**
   * Which proxies' X-Forwarded-* headers to believe for the client address: a hop
   * count (API Gateway in front of Lambda: 1) or addresses/subnets. Unset: none.
   */
  TRUST_PROXY: z
    .string()
    .regex(/^(\d+|[0-9a-fA-F.:/,\s]+|loopback|linklocal|uniquelocal)$/, 'must be a hop count, addresses/subnets, or loopback')
    .transform((value) => (/^\d+$/.test(value) ? Number(value) : value))
    .optional(),

  /** Where the allowlist and limits come from: a local file, or an SSM parameter on AWS. */
  GOVERNANCE_SOURCE: z.enum(['file', 'ssm']).default('file'),
  GOVERNANCE_FILE: z.string().min(1).optional(),
  GOVERNANCE_SSM_PARAMETER: z.string().min(1).optional(),
  /** The server's call policies (Cedar) as a file; default: beside GOVERNANCE_FILE (`<server>.cedar`). No file: none. */
  CALL_POLICIES_FILE: z.string().min(1).optional(),
  /** With GOVERNANCE_SOURCE=ssm: the parameter holding them (unset, or a parameter that does not exist: none). */
  CALL_POLICIES_SSM_PARAMETER: z.string().min(1).optional(),
  /** Set by the Lambda runtime: the bundle's folder, where its call policies as validated at build are. */
  LAMBDA_TASK_ROOT: z.string().min(1).optional(),
  GOVERNANCE_TTL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  GOVERNANCE_MAX_STALENESS_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),

  /** Where audit records are kept: the DynamoDB table (AWS), or a folder of day files (a local platform's embedded store). */
  AUDIT_STORE: z.enum(['dynamodb', 'file']).default('dynamodb'),
  AUDIT_TABLE: z.string().min(3).default('gmcp-audit'),
  /** The embedded store's folder, with AUDIT_STORE=file. */
  AUDIT_DIR: z.string().min(1).optional(),
  /** Base64 HMAC key (at least 32 bytes) that signs every audit record. */
  AUDIT_HMAC_KEY: z
    .string()
    .refine((value) => Buffer.from(value, 'base64').length >= 32, 'must be a base64 key of at least 32 bytes'),
  RATE_LIMIT_STORE: z.enum(['memory', 'dynamodb']).default('memory'),
  RATE_LIMIT_TABLE: z.string().min(3).default('gmcp-rate-limits'),
  METRICS: z.enum(['memory', 'emf']).default('memory'),
  METRICS_NAMESPACE: z.string().min(1).default(DEFAULT_METRICS_NAMESPACE),

  /** Approvals of high-risk tools: required by a server that has any. */
  APPROVAL_TABLE: z.string().min(3).default('gmcp-approvals'),
  /** Base64 HMAC key (at least 32 bytes) that signs approval decisions; distinct from the audit key. */
  APPROVAL_HMAC_KEY: z
    .string()
    .refine((value) => Buffer.from(value, 'base64').length >= 32, 'must be a base64 key of at least 32 bytes')
    .optional(),
  /** How long approvers have to decide. */
  APPROVAL_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 86_400).default(3600),
  /** `local`: decided through the approval API and run in process; `stepfunctions`: the state machine on AWS. */
  APPROVAL_WORKFLOW: z.enum(['local', 'stepfunctions']).default('local'),
  APPROVAL_STATE_MACHINE_ARN: z.string().regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:.+$/, 'must be a state machine ARN').optional(),
  SFN_ENDPOINT: z.url().optional(),
  /**
   * OAuth clients approvers may decide through (an approval console, the CLI): a token an
   * assistant holds, even with `approvals:decide`, then cannot approve. Unset: any client.
   */
  APPROVER_CLIENT_IDS: csv.optional(),
  /** The SNS topic approvers subscribe to; without it, notifications go to the log. */
  APPROVAL_TOPIC_ARN: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:.+$/, 'must be an SNS topic ARN').optional(),
  SNS_ENDPOINT: z.url().optional(),
  /** The approvals console: notifications link to the request's page there. */
  APPROVAL_CONSOLE_URL: z.url({ protocol: /^https?$/ }).optional(),

  /**
   * Medium-risk calls need the user's in-band confirmation (2026-07-28 elicitation). What
   * happens when the client cannot give it (2025-era requests, no elicitation capability):
   * `link` answers with a link to confirm it in the approvals console (APPROVAL_CONSOLE_URL),
   * `refuse` refuses it, `allow` runs it. Default: `link` with a console, `refuse` without.
   */
  MEDIUM_RISK_UNCONFIRMED: z.enum(['refuse', 'allow', 'link']).optional(),
  CONFIRMATION_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(300),

  /**
   * Set when a CDN with a web application firewall fronts the service: requests must carry
   * this value in `x-gmcp-edge-secret` (the CDN adds it), so that calls around the firewall
   * are refused. During a rotation it holds the new and the old value, separated by white space.
   */
  EDGE_SECRET: z
    .string()
    .transform(edgeSecretValues)
    .pipe(z.array(z.string().min(32, 'each value must be at least 32 characters')).min(1).max(2))
    .optional(),

  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** Local peers (dynalite, test endpoints); unset on AWS. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  SSM_ENDPOINT: z.url().optional(),
});
export type ServiceEnv = z.output<typeof ServiceEnvSchema>;

type EnvSource = Record<string, string | undefined>;

/**
 * Parses environment variables with one zod schema. Empty strings count as unset.
 * Fails with a {@link ConfigError} naming every bad variable.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: EnvSource): z.output<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  // Parsed once or twice per process: zod compiling a fast path for the schema costs more than it saves.
  const result = schema.safeParse(present, { jitless: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    variable: String(issue.path[0] ?? '(root)'),
    message: issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message,
  }));
  const text = problems.map((p) => `${p.variable} ${p.message}`).join('; ');
  return fail(`Invalid configuration: ${text}`, [...new Set(problems.map((p) => p.variable))]);
}

function fail(message: string, variables: string[]): never {
  throw new ConfigError(message, variables);
}
