import type { z } from 'zod';
import type { AuditTrail } from '../audit/audit-trail';
import { createApprovals, type Approvals, type ApprovedCallRunner } from '../approvals/approvals';
import { ToolDefinitionError } from '../errors/errors';
import type { GovernanceAdapters } from './governance-adapters';
import type { Logger } from '../logging/logger';
import { executeTool } from '../pipeline/execute';
import { needsConfirmation } from '../pipeline/run';
import { validateInput } from '../pipeline/validate-input';
import { createMediumRiskConfirmation, type MediumRiskConfirmation } from '../mcp/confirmation';
import type { ToolDefinition } from '../tool/define-tool';
import type { RegisteredTool } from '../tool/tool-set';
import { pinOf } from '../governance/pinned-allowlist';
import type { ServiceDefinition } from './service-definition';
import { requestStatusTool } from '../approvals/request-status-tool';
import type { ApprovalRequest } from '../approvals/approval-request';
import type { ToolContext } from '../tool/define-tool';
import type { ApprovalRequestDetails } from '../approvals/approval-request-details';
import { approvalRequestDetails } from './approval-request-details';

type AnyTool<Deps> = ToolDefinition<z.ZodObject<z.ZodRawShape>, z.ZodObject<z.ZodRawShape>, Deps>;

export interface ServiceApprovals<Deps> {
  readonly service: Approvals;
  runApproved(approvalId: string): Promise<unknown>;
  /** What an approver reads beside a request: the tool as served now and, while pending, what the call would change. */
  details(request: ApprovalRequest): Promise<ApprovalRequestDetails>;
  /** Gives the runner the registered tools, once the tool set is built. */
  bind(tools: ReadonlyMap<string, RegisteredTool<Deps>>): void;
}

/**
 * The approvals of a server with high-risk tools, or undefined when it has none. A
 * high-risk tool on a server without approvals configured stops it at start-up.
 */
export function approvalsFor<Deps>(
  tools: readonly AnyTool<Deps>[],
  definition: ServiceDefinition<Deps>,
  governance: GovernanceAdapters,
  audit: AuditTrail,
  logger: Logger,
): ServiceApprovals<Deps> | undefined {
  const highRisk = tools.filter((tool) => tool.risk === 'high').map((tool) => tool.name);
  if (highRisk.length === 0) return undefined;
  const adapters = governance.approvals;
  if (!adapters) {
    throw new ToolDefinitionError(`High-risk tools (${highRisk.join(', ')}) need approvals: configure APPROVAL_HMAC_KEY (and the approval workflow)`);
  }
  let registered: ReadonlyMap<string, RegisteredTool<Deps>> = new Map();
  // The approved call (and its precheck for approvers) runs with the requester as actor, limited to the tool's own scope.
  const contextFor = (request: ApprovalRequest, tool: RegisteredTool<Deps>, requestId: string): ToolContext<Deps> => ({
    actor: { subject: request.requester, clientId: 'approval', scopes: new Set([tool.definition.scope]), issuer: 'approval', expiresAt: 0 },
    requestId,
    approvalId: request.approval_id,
    logger,
    deps: definition.deps,
    cursors: governance.cursors(request.requester),
  });
  const refused = (error: string) => ({ ok: false, result: JSON.stringify({ error }) });
  const runner: ApprovedCallRunner = async (request, input) => {
    const tool = registered.get(request.tool);
    if (!tool) return refused(`Tool ${request.tool} is no longer served`);
    // The allowlist is read again: a tool withdrawn while its request waited does not run.
    const entry = (await governance.policy.current()).tools.find((candidate) => candidate.name === request.tool);
    if (!entry) return refused(`Tool ${request.tool} is no longer allowlisted`);
    if (pinOf(entry, tool as RegisteredTool<unknown>)) return refused(`Tool ${request.tool} no longer has the definition its allowlist entry approved`);
    // A confirmation (no second person) never runs a tool that is high risk now, whatever it was when asked.
    if (request.kind === 'confirmation' && (entry.risk === 'high' || tool.definition.risk === 'high')) return refused(`Tool ${request.tool} now needs a second person's approval; nothing was run`);
    if (request.definition_hash !== undefined && request.definition_hash !== tool.definitionHash) return refused(`Tool ${request.tool} has changed since the request was made; nothing was run`);
    const validated = validateInput(tool, input);
    if (!validated.ok) return refused(validated.error.message);
    const { result, outcome } = await executeTool(tool, validated.input, contextFor(request, tool, `approval:${request.approval_id}`));
    return { ok: outcome === 'ok', result: JSON.stringify(result.structuredContent ?? { error: result.content[0]?.text ?? 'failed' }) };
  };
  const base: Approvals = createApprovals({
    server: definition.name,
    store: adapters.store,
    signer: adapters.signer,
    ttlSeconds: adapters.ttlSeconds,
    approverClientIds: adapters.approverClientIds,
    audit,
    auditStore: governance.auditStore,
    auditSigner: governance.signer,
    logger,
    workflow: adapters.workflow((approvalId) => service.execute(approvalId, runner)),
  });
  // A confirmed change runs at once, in the request that confirms it: no workflow waits for it.
  const service: Approvals = {
    ...base,
    decide: async (approvalId, decision) => {
      // Confirmed but not run (the run failed to start, or the process stopped): the requester confirming again runs it (the claim is single-use).
      const stored = await base.status(approvalId);
      const retry = stored?.kind === 'confirmation' && stored.status === 'approved' && stored.decision?.approver === decision.approver.subject && decision.decision === 'approved';
      const decided = retry ? stored : await base.decide(approvalId, decision);
      return decided.kind === 'confirmation' && decided.status === 'approved' ? base.execute(approvalId, runner) : decided;
    },
  };
  const details = (request: ApprovalRequest) => approvalRequestDetails(request, registered.get(request.tool), (tool) => contextFor(request, tool, `preview:${request.approval_id}`), logger);
  return { service, runApproved: (approvalId) => service.execute(approvalId, runner), details, bind: (tools) => void (registered = tools) };
}

/**
 * The tools a server serves, given its declared ones: with high-risk tools, the kit adds
 * get_request_status, answering from `approvals`. Without them (pinning, listing), the
 * added tool is a definition only and cannot run.
 */
export function servedTools<Deps>(declared: readonly AnyTool<Deps>[], approvals?: Approvals): readonly AnyTool<Deps>[] {
  if (!declared.some((tool) => tool.risk === 'high')) return declared;
  const service =
    approvals ??
    new Proxy({} as Approvals, {
      get: () => {
        throw new Error('get_request_status: a definition for pinning, not a served tool');
      },
    });
  return [...declared, requestStatusTool(service) as unknown as AnyTool<Deps>];
}

/** The confirmation of medium-risk writes; a server with one and no approval key refuses to start. */
export function confirmationFor<Deps>(tools: readonly AnyTool<Deps>[], governance: GovernanceAdapters, approvals: Approvals | undefined, logger: Logger): MediumRiskConfirmation | undefined {
  const confirmed = tools.filter(needsConfirmation).map((tool) => tool.name);
  if (confirmed.length === 0) return undefined;
  if (!governance.confirmation) {
    throw new ToolDefinitionError(`Medium-risk write tools (${confirmed.join(', ')}) need confirmation: configure APPROVAL_HMAC_KEY, which signs its state`);
  }
  // Confirmation by link keeps its requests with the approvals (a server without high-risk tools
  // cannot offer it); an answer's nonce is taken once in the approvals table.
  const store = governance.approvals?.store;
  return createMediumRiskConfirmation(governance.confirmation, { requests: approvals, logger, ...(store ? { takeOnce: (key, expiresAt) => store.takeOnce(key, expiresAt) } : {}) });
}
