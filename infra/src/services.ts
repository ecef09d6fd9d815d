import { APPROVER_SCOPE, DEFAULT_METRICS_NAMESPACE, FACADE_ROUTES, REQUEST_STATUS_SCOPE } from '@gmcp/mcp-kit/platform';
import { arns, resourceNames, type FunctionKind } from './names';
import { SERVER_MODULES } from './server-modules';
import { SERVERS, serverUses, type ServerName } from './servers';
import type { StageConfig } from './stage-config';

/**
 * A route of a service's HTTP API: `auth: false` reaches the function without the gateway
 * checking anything (the MCP endpoint authenticates in the function), or the JWT authorizer
 * with the scopes of which a token needs one.
 */
export interface RouteSpec {
  readonly route: string;
  readonly auth: false | { readonly scopes: readonly string[] };
}

export interface FunctionSpec {
  readonly service: ServerName;
  readonly kind: FunctionKind;
  /** The export of the service's bundle (`apps/<service>/src/lambda.ts`). */
  readonly handlerExport: 'handler' | 'notifier' | 'executor' | 'backlog';
  readonly description: string;
  /** Run on a schedule (and once at the stage's first deploy, so that its missed-run alarm has a first data point). */
  readonly scheduled?: true;
}

/**
 * Each service's routes. The MCP endpoint is not behind the gateway's JWT authorizer: the
 * authorizer answers 401 itself, without the `WWW-Authenticate: Bearer resource_metadata="…"`
 * challenge MCP clients start their sign-in from (HTTP APIs cannot shape its answers), so the
 * function authenticates every MCP request, exactly as locally. The gateway keeps its throttle,
 * the edge its firewall. The approval API, which people's tools call, stays behind the
 * authorizer as well. Metadata, health and the authorization façade (when the stage has one)
 * are public. GET and DELETE /mcp reach the kit, which answers 405 (stateless).
 */
export function routesOf(config: StageConfig, service: ServerName): RouteSpec[] {
  if (SERVER_MODULES[service].tools.length === 0) throw new Error(`${service} has no tools yet: add one (npx nx g @gmcp/generators:tool --project=${service}) before deploying it`);
  const open = (route: string): RouteSpec => ({ route, auth: false });
  const routes: RouteSpec[] = [
    ...['POST /mcp', 'GET /mcp', 'DELETE /mcp'].map(open),
    open('GET /.well-known/oauth-protected-resource'),
    open('GET /.well-known/oauth-protected-resource/mcp'),
    open('GET /healthz'),
    ...(config.auth.facade ? FACADE_ROUTES.map(open) : []),
  ];
  if (!serverUses(service, 'approvals')) return routes;
  // Approvers, and requesters for their own requests and confirmations (the function checks which).
  const approvalApi = { scopes: [APPROVER_SCOPE, REQUEST_STATUS_SCOPE] };
  return [...routes, { route: 'GET /approvals', auth: approvalApi }, { route: 'GET /approvals/{id}', auth: approvalApi }, { route: 'POST /approvals/{id}/decision', auth: approvalApi }];
}

/**
 * The token audiences the approval API's gateway authorizer accepts: the service's own, or,
 * when tokens carry no audience (Cognito), the approvers' clients, never the assistants' one.
 */
export function approvalAudiences(config: StageConfig, service: ServerName): string[] {
  return config.auth.audienceClaim === 'client_id' ? [...config.auth.approverClientIds] : [config.services[service].audience];
}

/** The functions of each service; each gets its own role (see iam.ts). */
export function functionsOf(service: ServerName): FunctionSpec[] {
  const api: FunctionSpec = { service, kind: 'api', handlerExport: 'handler', description: `${service}: MCP endpoint behind API Gateway` };
  if (!serverUses(service, 'approvals')) return [api];
  return [
    api,
    { service, kind: 'approval-notifier', handlerExport: 'notifier', description: `${service}: records the approval task token and notifies approvers` },
    { service, kind: 'approval-executor', handlerExport: 'executor', description: `${service}: runs an approved high-risk call once` },
    { service, kind: 'approval-backlog', handlerExport: 'backlog', description: `${service}: reports the age of the oldest pending approval (every 5 minutes)`, scheduled: true },
  ];
}

/** How often the backlog report runs; its alarm treats two silent periods as breaching. */
export const BACKLOG_SCHEDULE = 'rate(5 minutes)';

/**
 * Behind CloudFront: the edge secret to require, the API's own host (CloudFront sends it as
 * Host), and one trusted proxy in front of the gateway for the caller's address.
 */
function edgeEnvironment(config: StageConfig, late: LateEnvironment): Record<string, string> {
  if (!late.apiHost) throw new Error('Behind the edge, a function needs its API host');
  return { EDGE_SECRET_PARAMETER: resourceNames(config).edgeSecretParameter, ALLOWED_HOSTS: late.apiHost, TRUST_PROXY: '1' };
}

/** The backlog report reads only its table and metric settings. */
function backlogEnvironment(config: StageConfig): Record<string, string> {
  return { NODE_ENV: 'production', APPROVAL_TABLE: resourceNames(config).approvalsTable, METRICS: 'emf', METRICS_NAMESPACE: DEFAULT_METRICS_NAMESPACE };
}

/**
 * Memory, timeout, reserved and provisioned concurrency: the API's from the stage; fixed ones
 * for the tasks, with room for a burst of approvals (a throttled task is retried only three
 * times), and none provisioned (they build no service ahead of their events).
 */
export function functionSizing(config: StageConfig, spec: Pick<FunctionSpec, 'service' | 'kind'>) {
  const settings = config.services[spec.service];
  return spec.kind === 'api'
    ? { memoryMb: settings.memoryMb, timeoutSeconds: settings.timeoutSeconds, reservedConcurrency: settings.reservedConcurrency, provisionedConcurrency: settings.provisionedConcurrency ?? 0 }
    : { memoryMb: 256, timeoutSeconds: 60, reservedConcurrency: 10, provisionedConcurrency: 0 };
}

/**
 * A function's concurrency as SST's Function takes it: provisioned concurrency needs a published
 * version (SST refuses it without `versioning`), which the routes must then invoke
 * (`invokedArn`, infra/sst/plan.ts).
 */
export function concurrencySettings(sizing: { reservedConcurrency: number; provisionedConcurrency: number }) {
  return sizing.provisionedConcurrency > 0
    ? { concurrency: { reserved: sizing.reservedConcurrency, provisioned: sizing.provisionedConcurrency }, versioning: true as const }
    : { concurrency: { reserved: sizing.reservedConcurrency } };
}

/**
 * How long a statement may wait for a paused Aurora cluster to resume: long enough to
 * ride out a resume, short enough that the function answers with a clean "temporarily
 * unavailable" before its own timeout cuts it off.
 */
function resumeBudgetSeconds(config: StageConfig, spec: Pick<FunctionSpec, 'service' | 'kind'>): number {
  return Math.min(20, functionSizing(config, spec).timeoutSeconds - 8);
}

/** What only exists once deployed: the URL clients use, the service's database secret, and the API's own host. */
export interface LateEnvironment {
  publicUrl: string;
  /** The approvals console's URL (the approval server's notifications and confirmation links point there). */
  consoleUrl?: string;
  databaseSecretArn?: string;
  /** The API's execute-api host name: behind CloudFront, requests arrive with it as Host. */
  apiHost?: string;
}

/**
 * The environment of one function on AWS: every adapter chosen for AWS, every name from
 * names.ts, and keys by SSM parameter name only (the values never sit in the function's
 * configuration). The kit's env schema validates it at cold start; a test does so here.
 */
export function functionEnvironment(config: StageConfig, spec: Pick<FunctionSpec, 'service' | 'kind'>, late: LateEnvironment): Record<string, string> {
  const names = resourceNames(config);
  const { service } = spec;
  if (spec.kind === 'approval-backlog') return backlogEnvironment(config);
  const kit: Record<string, string> = {
    // What config/servers.json registers: the module checks it is that server at cold start.
    GMCP_SERVER: service,
    GMCP_SERVER_ACCESS: SERVERS[service].access,
    NODE_ENV: 'production',
    LOG_LEVEL: 'INFO',
    PUBLIC_URL: late.publicUrl,
    AUTH_ISSUER: config.auth.issuer,
    AUTH_AUDIENCE: config.services[service].audience,
    AUTH_JWKS_URL: config.auth.jwksUrl,
    AUTH_AUDIENCE_CLAIM: config.auth.audienceClaim,
    ...(config.services[service].scopePrefix ? { AUTH_SCOPE_PREFIX: config.services[service].scopePrefix } : {}),
    ...facadeEnvironment(config, service),
    GOVERNANCE_SOURCE: 'ssm',
    GOVERNANCE_SSM_PARAMETER: names.governanceParameter(service),
    CALL_POLICIES_SSM_PARAMETER: names.callPoliciesParameter(service),
    AUDIT_TABLE: names.auditTable,
    AUDIT_HMAC_KEY_PARAMETER: names.auditKeyParameter(service),
    RATE_LIMIT_STORE: 'dynamodb',
    RATE_LIMIT_TABLE: names.rateLimitTable,
    METRICS: 'emf',
    METRICS_NAMESPACE: DEFAULT_METRICS_NAMESPACE,
    ...(config.edge.waf ? edgeEnvironment(config, late) : {}),
  };
  return {
    ...kit,
    ...(serverUses(service, 'policy-bucket') ? { POLICY_SOURCE: 's3', POLICY_BUCKET: names.policyBucket, POLICY_PREFIX: names.policyPrefix } : {}),
    ...(serverUses(service, 'ops-database') ? databaseEnvironment(config, spec, late) : {}),
    ...(serverUses(service, 'approvals') ? approvalEnvironment(config, late) : {}),
  };
}

/** The authorization façade of a stage whose provider lacks what MCP clients need (docs/identity.md). */
function facadeEnvironment(config: StageConfig, service: ServerName): Record<string, string> {
  const facade = config.auth.facade;
  if (!facade) return {};
  return {
    AUTH_FACADE_AUTHORIZATION_ENDPOINT: facade.authorizationEndpoint,
    AUTH_FACADE_TOKEN_ENDPOINT: facade.tokenEndpoint,
    AUTH_FACADE_CLIENT_ID: config.auth.audienceClaim === 'client_id' ? config.services[service].audience : facade.clientId!,
    AUTH_FACADE_REDIRECT_URIS: facade.redirectUris.join(','),
    AUTH_FACADE_RESOURCE_PARAMETER: facade.resourceParameter,
    ...(facade.revocationEndpoint ? { AUTH_FACADE_REVOCATION_ENDPOINT: facade.revocationEndpoint } : {}),
  };
}

/** The Data API, as the service's own login. */
function databaseEnvironment(config: StageConfig, spec: Pick<FunctionSpec, 'service' | 'kind'>, late: LateEnvironment): Record<string, string> {
  if (!late.databaseSecretArn) throw new Error(`${spec.service} needs its database secret ARN`);
  return {
    OPS_DATABASE: 'data-api',
    DATA_API_RESOURCE_ARN: arns(config).cluster,
    DATA_API_SECRET_ARN: late.databaseSecretArn,
    DATA_API_DATABASE: resourceNames(config).database,
    DATA_API_RESUME_BUDGET_SECONDS: String(resumeBudgetSeconds(config, spec)),
  };
}

/** The stage's approval workflow: Step Functions, the approvers' topic, the signing key. */
function approvalEnvironment(config: StageConfig, late: LateEnvironment): Record<string, string> {
  const names = resourceNames(config);
  return {
    APPROVAL_HMAC_KEY_PARAMETER: names.approvalKeyParameter,
    APPROVAL_TABLE: names.approvalsTable,
    APPROVAL_TTL_SECONDS: String(config.approvals.ttlSeconds),
    APPROVAL_WORKFLOW: 'stepfunctions',
    APPROVAL_STATE_MACHINE_ARN: arns(config).stateMachine,
    APPROVAL_TOPIC_ARN: arns(config).topic(names.approverTopic),
    APPROVER_CLIENT_IDS: config.auth.approverClientIds.join(','),
    // Clients that cannot confirm in band get a link to the console (refused without one).
    ...(late.consoleUrl ? { APPROVAL_CONSOLE_URL: late.consoleUrl, MEDIUM_RISK_UNCONFIRMED: 'link' } : { MEDIUM_RISK_UNCONFIRMED: 'refuse' }),
  };
}
