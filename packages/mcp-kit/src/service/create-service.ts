import express from 'express';
import { hostHeaderValidation } from '@modelcontextprotocol/express';
import type { z } from 'zod';
import { runNotifierTask, type NotifierTaskInput } from '../approvals/workflow-tasks';
import { createAuditTrail } from '../audit/audit-trail';
import { sequentialAdmission } from '../audit/call-admission';
import { createJwksKeyResolver, type KeyResolver } from '../auth/jwks-key-resolver';
import { createJwtPassport } from '../auth/jwt-strategy';
import type { ServiceConfig } from '../config/service-config';
import { MCP_PATH } from '../config/service-config';
import { approvalApi, APPROVALS_PATH } from '../http/approval-api';
import { authenticate } from '../http/authenticate';
import { authorizationFacade } from '../http/authorization-facade';
import { requestErrors } from '../http/request-errors';
import { edgeGuard } from '../http/edge-guard';
import { governanceGate } from '../http/governance-gate';
import { mcpRoute, methodNotAllowed } from '../http/mcp-route';
import { jsonBody } from '../http/json-body';
import { requireScope } from '../http/require-scope';
import { METRICS_SCOPE } from '../metrics/metrics';
import { originGuard } from '../http/origin-guard';
import { protectedResourceMetadata, protectedResourceMetadataPaths } from '../http/protected-resource-metadata';
import { requestContext } from '../http/request-context';
import { answerContext } from '../http/send-error';
import { createConcurrencyLimiter } from '../limits/concurrency';
import { createLogger, type Logger } from '../logging/logger';
import { createMcpTransport } from '../mcp/mcp-transport';
import { createServerFactory } from '../mcp/server-factory';
import type { ToolDefinition } from '../tool/define-tool';
import { createToolSet } from '../tool/tool-set';
import { RouteNotFoundError } from '../errors/errors';
import { isLoopbackHost } from '../config/loopback';
import { advertisedScopes } from './advertised-scopes';
import { cedarSchemaOf } from '../cedar/cedar-schema';
import { createCallPolicyProvider, type CallPolicyProvider } from '../governance/call-policy-provider';
import { toolContextFor, type Caller } from '../pipeline/call';
import type { GovernanceAdapters } from './governance-adapters';
import { approvalsFor, confirmationFor, servedTools } from './service-approvals';
import type { ServiceDefinition } from './service-definition';

type AnyTool<Deps> = ToolDefinition<z.ZodObject<z.ZodRawShape>, z.ZodObject<z.ZodRawShape>, Deps>;

export interface McpService {
  readonly app: express.Express;
  readonly config: ServiceConfig;
  readonly logger: Logger;
  readonly governance: GovernanceAdapters;
  /** Aborts in-flight 2026-07-28 exchanges (2025-era ones end when their connections close). */
  close(): Promise<void>;
  /** Reads ahead what the first request needs (the issuer's signing keys). */
  warmUp(): Promise<void>;
  /** The server's call policies (Cedar), when its configuration names a source for them. */
  readonly callPolicies?: CallPolicyProvider;
  /** For the approval workflow's tasks (Lambda entries): present when the server has high-risk tools. */
  readonly approvals?: {
    /** The executor task: runs an approved request once (refused if unsigned, altered, expired or used). */
    runApproved(approvalId: string): Promise<unknown>;
    /** The notifier task: records the waiting task's token and tells the approvers, or delivers a decision that came first. */
    notifierTask(input: NotifierTaskInput): Promise<{ approval_id: string; state: 'waiting' | 'delivered' | 'closed' }>;
  };
}

/**
 * Turns a tool list, a validated config and the governance adapters into an express app,
 * in the order a request meets it: request id → edge secret → Host → (for /mcp) Origin →
 * authentication → body → governance gate (the pipeline's decisions) → the SDK (the
 * pipeline's run). Also: 405 for GET/DELETE `/mcp`, RFC 9728 metadata, `GET /healthz`, the
 * approval API and the authorization façade where configured.
 */
export function createService<Deps>(config: ServiceConfig, definition: ServiceDefinition<Deps>, governance: GovernanceAdapters, keys: KeyResolver = createJwksKeyResolver(config.auth)): McpService {
  const logger = definition.logger ?? createLogger(definition.name, config.logLevel);
  const declared = definition.tools as readonly AnyTool<Deps>[];
  const { metrics } = governance;
  const admission = governance.admission ?? sequentialAdmission(governance.rateLimiter, governance.auditStore);
  const audit = createAuditTrail({ server: definition.name, serverVersion: definition.version, store: governance.auditStore, signer: governance.signer, admission, metrics, logger });
  const records = { server: definition.name, audit, metrics, logger };
  const approvals = approvalsFor(declared, definition, governance, audit, logger);
  const tools = createToolSet(servedTools(declared, approvals?.service), { serverAccess: definition.access, mapError: definition.mapError });
  approvals?.bind(tools);
  const callPolicies =
    governance.callPolicies &&
    createCallPolicyProvider({ ...governance.callPolicies, schema: cedarSchemaOf([...tools.values()].map((tool) => tool.definition) as never), approvals: approvals !== undefined, metrics, logger });
  // What a tool's resource loader runs with, before the decision: what its handler would get.
  const toolContext = (caller: Caller) => toolContextFor(caller, { logger, deps: definition.deps, cursors: governance.cursors });
  const scopes = advertisedScopes(declared, definition.additionalScopes);
  const answers = answerContext(config, 'oauth');

  const passport = createJwtPassport(config.auth, keys);
  const authenticated = authenticate({ ...records, passport, answers });
  // Without an audience in tokens (Cognito), assistants hold this server's own client: the
  // approval API takes only the approvers' clients, so that an assistant's token cannot decide.
  const approverClientIds = governance.approvals?.approverClientIds;
  const approverAuthenticated =
    config.auth.audienceClaim === 'client_id' ? authenticate({ ...records, passport: createJwtPassport(config.auth, keys, approverClientIds ?? []), answers }) : authenticated;

  const transport = createMcpTransport(
    createServerFactory({ ...records, identity: definition, deps: definition.deps, cursors: governance.cursors, approvals: approvals?.service, confirmation: confirmationFor(declared, governance, approvals?.service, logger) }),
    { maxBodyBytes: config.maxBodyBytes, logger },
  );

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(requestContext());
  app.use(edgeGuard(config.edgeSecrets, logger, answers));
  app.use(hostHeaderValidation([...config.allowedHosts]));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: definition.name, version: definition.version });
  });
  const loopback = isLoopbackHost(config.host);
  if (loopback && 'snapshot' in metrics) {
    // Operators only, even on loopback: the counters tell who is refused and why.
    app.get('/metrics', authenticated, requireScope(METRICS_SCOPE, 'metrics endpoint', answers), (_req, res) => void res.json((metrics as { snapshot(): unknown }).snapshot()));
  }
  for (const path of protectedResourceMetadataPaths(config)) app.get(path, protectedResourceMetadata(config, definition.name, scopes));
  if (config.auth.facade) app.use(authorizationFacade(config, config.auth.facade, scopes, logger));

  app.use(MCP_PATH, originGuard(config, answers));
  app.get(MCP_PATH, methodNotAllowed);
  app.delete(MCP_PATH, methodNotAllowed);
  if (approvals) app.use(APPROVALS_PATH, originGuard(config, answers), approverAuthenticated, approvalApi(approvals.service, answers, logger, audit, approverClientIds, approvals.details));
  app.post(
    MCP_PATH,
    authenticated,
    ...jsonBody({ limit: config.maxBodyBytes, type: 'application/json' }),
    governanceGate({ ...records, tools, policy: governance.policy, callPolicies, toolContext, concurrency: createConcurrencyLimiter() }, answers),
    mcpRoute(transport),
  );
  app.all(MCP_PATH, methodNotAllowed);
  app.use((req) => {
    throw new RouteNotFoundError(req.method, req.path);
  });
  app.use(requestErrors(answerContext(config, 'jsonrpc'), logger));

  return {
    app,
    config,
    logger,
    governance,
    close: transport.close,
    warmUp: keys.prefetch,
    ...(callPolicies ? { callPolicies } : {}),
    approvals: approvals && { runApproved: approvals.runApproved, notifierTask: (input) => runNotifierTask(input, approvals.service, governance.approvals!.notifier) },
  };
}
