import { CfWorkerJsonSchemaValidator } from '@modelcontextprotocol/server/validators/cf-worker';
import { ProtocolError, ProtocolErrorCode, Server, type AuthInfo, type McpServerFactory, type ServerContext } from '@modelcontextprotocol/server';
import type { Actor } from '../auth/actor';
import type { AuditTrail, RequestOrigin } from '../audit/audit-trail';
import type { Logger } from '../logging/logger';
import { METRIC, type Metrics } from '../metrics/metrics';
import type { RegisteredTool } from '../tool/tool-set';
import { visibleTools } from '../tool/visibility';
import { callKey, type GovernedRequest } from '../http/governance-gate';
import { recordDenial, sanitizeToolName, type Verdict } from '../governance/govern-call';
import { executeTool, toolErrorResult, type ExecutionOutcome, type ToolCallResult } from './call-tool';
import type { Approvals } from '../approvals/approvals';
import type { ConfirmationVerdict, MediumRiskConfirmation } from './confirm-medium-risk';
import type { Classification, ToolContext } from '../tool/define-tool';
import { ToolError } from '../errors';

/**
 * One JSON Schema validator for every per-request server: @cfworker/json-schema interprets
 * schemas instead of compiling code (ajv, the SDK's Node default), which keeps a fresh
 * server cheap and a Lambda cold start short.
 */
const SCHEMA_VALIDATOR = new CfWorkerJsonSchemaValidator();

export const GOVERNANCE_META_KEY = 'dev.gmcp/governance';

export interface ServerIdentity {
  name: string;
  version: string;
  instructions?: string;
}

/** What the HTTP pipeline hands to the per-request MCP server (through the SDK's AuthInfo). */
export interface CallerContext {
  actor: Actor;
  origin: RequestOrigin;
  governance: GovernedRequest;
}

/** AuthInfo for the SDK. The raw token is deliberately not carried past authentication. */
export function toAuthInfo(caller: CallerContext): AuthInfo {
  return {
    token: '[withheld]',
    clientId: caller.actor.clientId,
    scopes: [...caller.actor.scopes],
    expiresAt: caller.actor.expiresAt,
    extra: { caller },
  };
}

export interface ServerFactoryDependencies<Deps> {
  identity: ServerIdentity;
  deps: Deps;
  /** Where high-risk calls go instead of their handler. */
  approvals?: Approvals;
  /** How medium-risk calls are confirmed by the user before they run. */
  confirmation?: MediumRiskConfirmation;
  audit: AuditTrail;
  metrics: Metrics;
  logger: Logger;
}

/**
 * The per-request MCP server: a low-level SDK `Server` whose tool list is the
 * allowlisted tools the caller's scopes reach, and whose `tools/call` runs only what
 * the governance gate allowed (a call without a verdict is refused: fail closed).
 */
export function createServerFactory<Deps>(options: ServerFactoryDependencies<Deps>): McpServerFactory {
  const { identity, logger, metrics, audit } = options;
  return ({ authInfo, era }) => {
    const caller = authInfo?.extra?.caller as CallerContext | undefined;
    if (!caller) throw new Error('MCP request reached the server without an authenticated caller');
    const visible = visibleTools(caller.governance.allowed as ReadonlyMap<string, RegisteredTool<Deps>>, caller.actor);

    const server = new Server(
      { name: identity.name, version: identity.version },
      { capabilities: { tools: { listChanged: false } }, instructions: identity.instructions, jsonSchemaValidator: SCHEMA_VALIDATOR },
    );
    server.setRequestHandler('tools/list', async () => ({ tools: visible.map(toWireTool) }));
    server.setRequestHandler('tools/call', async (request, ctx) => {
      const key = callKey(ctx.mcpReq.id);
      const verdict = caller.governance.verdicts.get(key) as Verdict<Deps> | undefined;
      caller.governance.verdicts.delete(key);
      if (!verdict || (verdict.kind === 'run' && (verdict.slot.released || verdict.tool.definition.name !== request.params.name))) {
        await recordDenial(
          { origin: caller.origin, actor: caller.actor, callId: String(ctx.mcpReq.id), tool: sanitizeToolName(request.params.name), reason: 'not_governed' },
          undefined,
          { server: identity.name, audit, metrics, logger },
        );
        throw new ProtocolError(ProtocolErrorCode.InternalError, 'Tool call was not governed');
      }
      if (verdict.kind === 'refuse_unknown') throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${verdict.name}`);
      if (verdict.kind === 'refuse_invalid') return toolErrorResult(verdict.message);
      if (verdict.kind !== 'run') throw new ProtocolError(ProtocolErrorCode.InternalError, 'Tool call was refused');
      try {
        if (needsConfirmation(verdict.tool.definition)) {
          const confirmation = await confirmIfNeeded(verdict, ctx, era, options);
          if (confirmation.kind === 'stop') {
            await recordUnrun(verdict, caller, confirmation.reason, options);
            return confirmation.result;
          }
        }
        return await runGoverned(verdict, caller, options);
      } finally {
        verdict.slot.release();
      }
    });
    return server;
  };
}

function toWireTool<Deps>({ definition, inputJsonSchema, outputJsonSchema }: RegisteredTool<Deps>) {
  return {
    name: definition.name,
    title: definition.title,
    description: definition.description,
    inputSchema: inputJsonSchema as { type: 'object' },
    outputSchema: outputJsonSchema as { type: 'object' },
    annotations: definition.annotations,
    _meta: {
      [GOVERNANCE_META_KEY]: {
        owner: definition.owner,
        scope: definition.scope,
        risk: definition.risk,
        access: definition.access,
        classification: definition.classification,
      },
    },
  };
}

/** Runs an allowed call, then writes its outcome record. */
async function runGoverned<Deps>(
  verdict: Extract<Verdict<Deps>, { kind: 'run' }>,
  caller: CallerContext,
  { identity, deps, audit, metrics, logger, approvals }: ServerFactoryDependencies<Deps>,
): Promise<ToolCallResult> {
  const { tool } = verdict;
  const started = performance.now();
  const context = { actor: caller.actor, requestId: caller.origin.requestId, logger, deps };
  const { result, outcome, classification } =
    tool.definition.risk === 'high' ? await requestApproval(tool, verdict.input, context, approvals) : await executeTool(tool, verdict.input, context);
  const durationMs = performance.now() - started;
  const dimensions = { server: identity.name, tool: tool.definition.name };
  metrics.count(METRIC.toolCalls, { ...dimensions, outcome });
  metrics.latency(METRIC.toolLatency, durationMs, dimensions);
  logger.info('tool call', { requestId: caller.origin.requestId, subject: caller.actor.subject, tool: tool.definition.name, outcome, durationMs: Math.round(durationMs) });
  await audit
    .record({
      event: 'tool_completed',
      decision: 'allowed',
      reason: 'completed',
      origin: caller.origin,
      actor: caller.actor,
      callId: verdict.callId,
      tool: tool.definition.name,
      risk: tool.definition.risk,
      arguments: verdict.auditArguments,
      outcome,
      outputClassification: classification,
      durationMs,
    })
    .catch(() => {
      // The tool has run; its signed outcome record is in the error log (see the audit trail).
      metrics.count(METRIC.outcomeNotRecorded, { server: identity.name });
    });
  return result;
}

/** A high-risk call records its request and starts the approval; its handler does not run now. */
async function requestApproval<Deps>(
  tool: RegisteredTool<Deps>,
  input: unknown,
  ctx: ToolContext<Deps>,
  approvals: Approvals | undefined,
): Promise<{ result: ToolCallResult; outcome: ExecutionOutcome; classification: Classification }> {
  const classification = tool.definition.classification;
  if (!approvals) return { result: toolErrorResult(`Tool ${tool.definition.name} needs approvals, which this server has not configured`), outcome: 'internal_error', classification };
  try {
    await tool.definition.precheck?.(input as never, ctx);
  } catch (error) {
    if (error instanceof ToolError) return { result: toolErrorResult(`${error.message} No approval was requested.`), outcome: 'tool_error', classification };
    ctx.logger.error('approval precheck failed', { tool: tool.definition.name, requestId: ctx.requestId, error: error as Error });
    return { result: toolErrorResult(`${tool.definition.name} could not be checked; no approval was requested. Retry shortly. Reference: ${ctx.requestId}`), outcome: 'internal_error', classification };
  }
  try {
    const pending = await approvals.request({ tool: tool.definition.name, definitionHash: tool.definitionHash, input, actor: ctx.actor, requestId: ctx.requestId });
    return {
      result: { content: [{ type: 'text', text: `${pending.message} Approval id: ${pending.approval_id} (expires ${pending.expires_at}).` }], structuredContent: { ...pending } },
      outcome: 'ok',
      classification: 'internal',
    };
  } catch (error) {
    ctx.logger.error('approval request failed', { tool: tool.definition.name, requestId: ctx.requestId, error: error as Error });
    return { result: toolErrorResult(`The approval for ${tool.definition.name} could not be started; nothing was changed. Retry shortly. Reference: ${ctx.requestId}`), outcome: 'internal_error', classification };
  }
}

/** Without confirmation configured, a medium-risk call is refused: the kit never runs it unconfirmed by accident. */
async function confirmIfNeeded<Deps>(
  verdict: Extract<Verdict<Deps>, { kind: 'run' }>,
  ctx: ServerContext,
  era: 'legacy' | 'modern',
  { confirmation }: ServerFactoryDependencies<Deps>,
): Promise<ConfirmationVerdict> {
  if (!confirmation) return { kind: 'stop', reason: 'confirmation_unavailable', result: toolErrorResult(`${verdict.tool.definition.name} needs confirmation, which this server has not configured. Nothing was changed.`) };
  return confirmation(verdict.tool, verdict.input, ctx, era);
}

/** An allowed call that stopped before its handler (waiting for, or refused, confirmation). */
async function recordUnrun<Deps>(
  verdict: Extract<Verdict<Deps>, { kind: 'run' }>,
  caller: CallerContext,
  reason: string,
  { identity, audit, metrics }: ServerFactoryDependencies<Deps>,
): Promise<void> {
  await audit
    .record({
      event: 'tool_not_run',
      decision: 'allowed',
      reason,
      origin: caller.origin,
      actor: caller.actor,
      callId: verdict.callId,
      tool: verdict.tool.definition.name,
      risk: verdict.tool.definition.risk,
      arguments: verdict.auditArguments,
    })
    .catch(() => metrics.count(METRIC.outcomeNotRecorded, { server: identity.name }));
}

/** Medium-risk changes are confirmed by the user; medium-risk reads are not changes. */
export function needsConfirmation(definition: { risk: string; access: string }): boolean {
  return definition.risk === 'medium' && definition.access === 'write';
}
