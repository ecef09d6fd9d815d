import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { SERVER_NAMES, type ServerName } from './servers';

/** CloudWatch accepts only some retention periods; the platform keeps logs one to three months. */
const LOG_RETENTION_DAYS = [30, 60, 90] as const;

const ServiceSettings = z.strictObject({
  /**
   * The token audience this service accepts: its resource indicator or API identifier, the API's
   * client id (Entra ID v2 tokens), or with `auth.audienceClaim: client_id` the app client made
   * for this server (Cognito). See docs/identity.md.
   */
  audience: z.string().min(1),
  /** How the identity provider names this server's scopes, e.g. `api://gmcp-dev/policy-reader/` (Entra ID); "" when it does not prefix them. */
  scopePrefix: z.string(),
  reservedConcurrency: z.number().int().min(1).max(1000),
  /**
   * Execution environments Lambda keeps initialized, each with the service already built in its
   * INIT phase (docs/deploy.md, "Cold starts"): calls they take skip the cold start. Billed while
   * provisioned. At most half of `reservedConcurrency`: a deploy provisions the new version before
   * the old one's environments are released. Omitted: none, every new environment starts cold.
   */
  provisionedConcurrency: z.number().int().min(1).max(1000).optional(),
  memoryMb: z.number().int().min(256).max(10_240),
  /** API Gateway stops waiting at 30 s; the function must stop first. */
  timeoutSeconds: z.number().int().min(10).max(29),
  /** The API stage's throttle (requests per second, and burst), before anything reaches the function. */
  throttle: z.strictObject({ ratePerSecond: z.number().int().min(1).max(10_000), burst: z.number().int().min(1).max(5_000) }),
}).refine((settings) => 2 * (settings.provisionedConcurrency ?? 0) <= settings.reservedConcurrency, {
  message: 'must be at most half of reservedConcurrency (a deploy provisions the new version while the old one still holds its environments, both within the reservation)',
  path: ['provisionedConcurrency'],
});

const HttpsUrl = z.url().startsWith('https://', 'must be https');
const LOOPBACK_REDIRECT = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//;

const FacadeSettings = z.strictObject({
  /** The provider's endpoints the façade sends browsers to and relays token requests to. */
  authorizationEndpoint: HttpsUrl,
  tokenEndpoint: HttpsUrl,
  revocationEndpoint: HttpsUrl.optional(),
  /**
   * The public client pre-registered at the provider that answers every registration; with
   * `audienceClaim: client_id` each server's own app client (its audience) is used instead.
   */
  clientId: z.string().min(1).optional(),
  /**
   * The redirect URIs assistants may use (https, loopback http on any port, or an app's own
   * scheme); the provider itself needs only `<server URL>/oauth/callback` on its client.
   */
  redirectUris: z
    .array(z.string().refine((uri) => URL.canParse(uri) && (!uri.startsWith('http:') || LOOPBACK_REDIRECT.test(uri)), 'https, http on loopback, or an app scheme such as cursor://'))
    .min(1),
  /** `omit` for a provider that refuses RFC 8707's `resource` (Entra ID); the scope prefix names the server instead. */
  resourceParameter: z.enum(['forward', 'omit']),
});

/** One stage's deployment, written out in `infra/stages/<stage>.json`: nothing about a stage is implied. */
export const StageConfig = z.strictObject({
  $comment: z.string().optional(),
  stage: z.string().regex(/^[a-z][a-z0-9-]{1,20}$/, 'lowercase letters, digits and dashes, 2-21 characters'),
  account: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1'),
  /** Keep data when the stage is removed, and protect its tables, bucket and cluster from deletion. */
  retain: z.boolean(),
  auth: z.strictObject({
    issuer: z.url().startsWith('https://', 'the issuer must be https'),
    /** Where the issuer publishes its signing keys (its discovery document's `jwks_uri`). */
    jwksUrl: z.url().startsWith('https://', 'the JWKS URL must be https'),
    /** OAuth clients approvers decide through; an assistant's token cannot approve. */
    approverClientIds: z.array(z.string().min(1)).min(1),
    /**
     * The approvals console's client id at the provider (providers that assign ids themselves:
     * Entra ID, Cognito, Auth0); one of `approverClientIds`. Default `approvals-console`.
     */
    consoleClientId: z.string().min(1).optional(),
    /** `aud`, or `client_id` for a provider whose access tokens carry no audience (Cognito). */
    audienceClaim: z.enum(['aud', 'client_id']),
    /** For a provider that lacks what MCP clients need: each server fronts it with the authorization façade (docs/identity.md). */
    facade: FacadeSettings.optional(),
  }),
  /** Folder (from the repository root) of the reviewed allowlist files, one `<service>.json` each, written to SSM on deploy. */
  governanceDir: z.string().regex(/^[a-z0-9_/-]+$/, 'a relative folder such as config/governance'),
  services: z.strictObject(Object.fromEntries(SERVER_NAMES.map((name) => [name, ServiceSettings])) as Record<ServerName, typeof ServiceSettings>),
  logRetentionDays: z.union(LOG_RETENTION_DAYS.map((days) => z.literal(days)), { error: `must be one of ${LOG_RETENTION_DAYS.join(', ')} (days)` }),
  approvals: z.strictObject({
    /** How long approvers have to decide; also the state machine's wait timeout. */
    ttlSeconds: z.number().int().min(60).max(7 * 86_400),
    approverEmails: z.array(z.email()),
  }),
  alarms: z.strictObject({ emails: z.array(z.email()) }),
  database: z.strictObject({
    /** Aurora Serverless v2 capacity in ACUs; 0 lets an idle cluster pause (the Data API waits for it to resume). */
    minCapacity: z.number().min(0).max(256),
    maxCapacity: z.number().min(1).max(256),
  }),
  auditDigests: z.strictObject({
    /** How often the scheduled function digests the audit table (a signed, chained digest per run). */
    scheduleMinutes: z.number().int().min(5).max(1440),
    /**
     * Where the chain starts (the first digest's range start, ISO time): fixed here so that
     * a verifier can tell a chain whose first digests were removed from a young one.
     */
    chainStart: z.iso.datetime(),
    /**
     * S3 Object Lock on the digest bucket: every digest kept unchangeable and undeletable for
     * `retentionDays`, by anyone, root included, in COMPLIANCE mode (GOVERNANCE lets holders of
     * s3:BypassGovernanceRetention remove them). Omitted: no lock (a stage that is torn down).
     */
    objectLock: z.strictObject({ mode: z.enum(['COMPLIANCE', 'GOVERNANCE']), retentionDays: z.number().int().min(1).max(36_500) }).optional(),
  }),
  edge: z.strictObject({
    /** CloudFront with a WAF web ACL in front of each API (see docs/deploy.md, "Edge protection"). */
    waf: z.boolean(),
    rateLimitPer5Minutes: z.number().int().min(100).max(2_000_000_000),
  }),
})
  .refine((config) => config.database.minCapacity <= config.database.maxCapacity, { message: 'database.minCapacity must not exceed maxCapacity', path: ['database'] })
  .refine((config) => config.auth.audienceClaim !== 'client_id' || !Object.values(config.services).some((service) => config.auth.approverClientIds.includes(service.audience)), {
    message: "with audienceClaim client_id, a service's audience is the client its assistants hold: it cannot be an approver client too",
    path: ['auth', 'approverClientIds'],
  })
  .refine((config) => !config.auth.facade || config.auth.audienceClaim === 'client_id' || config.auth.facade.clientId !== undefined, {
    message: 'auth.facade.clientId is required: the public client pre-registered at the provider (with audienceClaim client_id, each service audience is its client instead)',
    path: ['auth', 'facade', 'clientId'],
  });
export type StageConfig = z.output<typeof StageConfig>;

export const STAGES_DIR = resolve(__dirname, '..', 'stages');

/** Reads and validates `infra/stages/<stage>.json`; a stage without a file cannot be deployed. */
export function loadStageConfig(stage: string, dir: string = STAGES_DIR): StageConfig {
  const path = resolve(dir, `${stage}.json`);
  if (!/^[a-z][a-z0-9-]*$/.test(stage) || !existsSync(path)) {
    throw new Error(`No configuration for stage "${stage}": create infra/stages/${stage}.json (see docs/deploy.md)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`infra/stages/${stage}.json is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = StageConfig.safeParse(json);
  if (!parsed.success) throw new Error(`infra/stages/${stage}.json is invalid:\n${z.prettifyError(parsed.error)}`);
  if (parsed.data.stage !== stage) throw new Error(`infra/stages/${stage}.json declares stage "${parsed.data.stage}"`);
  return parsed.data;
}
