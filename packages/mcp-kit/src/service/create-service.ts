import express, { type NextFunction, type Request, type Response } from 'express';
import { hostHeaderValidation } from '@modelcontextprotocol/express';
import type { z } from 'zod';
import type { ServiceConfig } from '../config/service-config';
import { MCP_PATH } from '../config/service-config';
import { createLogger, type Logger } from '../logging/logger';
import type { AccessMode, ToolDefinition } from '../tool/define-tool';
import { createToolSet } from '../tool/tool-set';
import { createJwksKeyResolver, type KeyResolver } from '../auth/jwks-key-resolver';
import { createJwtPassport } from '../auth/jwt-strategy';
import { createAuditTrail } from '../audit/audit-trail';
import type { GovernanceAdapters } from '../governance/create-governance';
import { createConcurrencyLimiter } from '../limits/concurrency';
import { createServerFactory, type ServerIdentity } from '../mcp/server-factory';
import { requestContext } from '../http/request-context';
import { originGuard } from '../http/origin-guard';
import { edgeGuard } from '../http/edge-guard';
import { authenticate } from '../http/authenticate';
import { governanceGate } from '../http/governance-gate';
import { mcpEndpoint, methodNotAllowed } from '../http/mcp-endpoint';
import { protectedResourceMetadata, protectedResourceMetadataPaths } from '../http/protected-resource-metadata';
import { authorizationFacade } from '../http/authorization-facade';
import { approvalApi, APPROVALS_PATH } from '../http/approval-api';
import { approvalsFor, confirmationFor, servedTools } from './service-approvals';
import { advertisedScopes } from './define-server';
import { runNotifierTask, type NotifierTaskInput } from '../approvals/workflow-tasks';

type AnyTool<Deps> = ToolDefinition<z.ZodObject<z.ZodRawShape>, z.ZodObject<z.ZodRawShape>, Deps>;

/** What an app declares: who it is, what it may do, its tools and its adapters. */
export interface ServiceDefinition<Deps> extends ServerIdentity {
  /** `read` servers refuse write tools at start-up. */
  access: AccessMode;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each tool has its own schemas
  tools: readonly ToolDefinition<any, any, Deps>[];
  deps: Deps;
  /** Scopes the tools check themselves (e.g. clearance levels), advertised beside the tools' own. */
  additionalScopes?: readonly string[];
  logger?: Logger;
}

export interface McpService {
  readonly app: express.Express;
  readonly config: ServiceConfig;
  readonly logger: Logger;
  readonly governance: GovernanceAdapters;
  /** Aborts in-flight 2026-07-28 exchanges (2025-era ones end when their connections close). */
  close(): Promise<void>;
  /** Reads ahead what the first request needs (the issuer's signing keys). */
  warmUp(): Promise<void>;
  /** For the approval workflow's tasks (Lambda entries): present when the server has high-risk tools. */
  readonly approvals?: {
    /** The executor task: runs an approved request once (refused if unsigned, altered, expired or used). */
    runApproved(approvalId: string): Promise<unknown>;
    /** The notifier task: records the waiting task's token and tells the approvers, or delivers a decision that came first. */
    notifierTask(input: NotifierTaskInput): Promise<{ approval_id: string; state: 'waiting' | 'delivered' | 'closed' }>;
  };
}


/**
 * Turns a tool list, a validated config and the governance adapters into an express app:
 * `POST /mcp` (Streamable HTTP, stateless) behind authentication and the governance
 * gate, 405 for GET/DELETE `/mcp`, RFC 9728 metadata, and `GET /healthz`.
 */
export function createService<Deps>(config: ServiceConfig, definition: ServiceDefinition<Deps>, governance: GovernanceAdapters, keys: KeyResolver = createJwksKeyResolver(config.auth)): McpService {
  const logger = definition.logger ?? createLogger(definition.name, config.logLevel);
  const declared = definition.tools as readonly AnyTool<Deps>[];
  const { metrics } = governance;
  const audit = createAuditTrail({
    server: definition.name,
    serverVersion: definition.version,
    store: governance.auditStore,
    signer: governance.signer,
    metrics,
    logger,
  });
  const approvals = approvalsFor(declared, definition, governance, audit, logger);
  const tools = createToolSet(servedTools(declared, approvals?.service), { serverAccess: definition.access });
  approvals?.bind(tools);
  const passport = createJwtPassport(config.auth, keys);
  // Without an audience in tokens (Cognito), assistants hold this server's own client: the
  // approval API takes only the approvers' clients, so that an assistant's token cannot decide.
  const approverClientIds = governance.approvals?.approverClientIds;
  const approverPassport = config.auth.audienceClaim === 'client_id' ? createJwtPassport(config.auth, keys, approverClientIds ?? []) : passport;
  const confirmation = confirmationFor(declared, governance);
  const mcp = mcpEndpoint(createServerFactory({ identity: definition, deps: definition.deps, audit, metrics, logger, approvals: approvals?.service, confirmation }), config, logger);
  const authenticated = authenticate({ server: definition.name, passport, config, audit, metrics, logger });
  const approverAuthenticated = approverPassport === passport ? authenticated : authenticate({ server: definition.name, passport: approverPassport, config, audit, metrics, logger });
  const scopes = advertisedScopes(declared, definition.additionalScopes);
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(config.host);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(requestContext());
  app.use(edgeGuard(config.edgeSecrets, logger));
  app.use(hostHeaderValidation([...config.allowedHosts]));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: definition.name, version: definition.version });
  });
  if (loopback && 'snapshot' in metrics) app.get('/metrics', (_req, res) => void res.json((metrics as { snapshot(): unknown }).snapshot()));
  for (const path of protectedResourceMetadataPaths(config)) {
    app.get(path, protectedResourceMetadata(config, definition.name, scopes));
  }
  if (config.auth.facade) app.use(authorizationFacade(config, config.auth.facade, scopes, logger));

  app.use(MCP_PATH, originGuard(config));
  app.get(MCP_PATH, methodNotAllowed);
  app.delete(MCP_PATH, methodNotAllowed);
  if (approvals) app.use(APPROVALS_PATH, originGuard(config), approverAuthenticated, approvalApi(approvals.service, config, logger, audit, approverClientIds));
  app.post(
    MCP_PATH,
    authenticated,
    express.json({ limit: config.maxBodyBytes, type: 'application/json' }),
    governanceGate(
      { server: definition.name, tools, policy: governance.policy, audit, rateLimiter: governance.rateLimiter, concurrency: createConcurrencyLimiter(), metrics, logger },
      config,
    ),
    mcp.route,
  );
  app.use(MCP_PATH, methodNotAllowed);
  app.use(errorHandler(logger));

  return { app, config, logger, governance, close: mcp.close, warmUp: keys.prefetch, approvals: approvals && { runApproved: approvals.runApproved, notifierTask: (input) => runNotifierTask(input, approvals.service, governance.approvals!.notifier) } };
}

/** Body-parser failures answer as JSON-RPC errors with their 4xx status; anything else is a logged 500. */
function errorHandler(logger: Logger) {
  return (error: { type?: string; status?: number; expose?: boolean; message?: string }, _req: Request, res: Response, _next: NextFunction): void => {
    if (error.type === 'entity.too.large') {
      res.status(413).json({ jsonrpc: '2.0', error: { code: -32600, message: 'Request body too large' }, id: null });
      return;
    }
    if (error.type === 'entity.parse.failed') {
      res.status(400).json({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: invalid JSON' }, id: null });
      return;
    }
    if (error.expose && error.status !== undefined && error.status >= 400 && error.status < 500) {
      logger.warn('request refused', { status: error.status, reason: error.message });
      res.status(error.status).json({ jsonrpc: '2.0', error: { code: -32600, message: `Invalid request: ${error.message}` }, id: null });
      return;
    }
    logger.error('unhandled request error', { error: error as Error });
    res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null });
  };
}
