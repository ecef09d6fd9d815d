import type { z } from 'zod';
import type { AuditTrail } from '../audit/audit-trail';
import { createApprovals, type Approvals, type ApprovedCallRunner } from '../approvals/approvals';
import { ToolDefinitionError } from '../errors';
import type { GovernanceAdapters } from '../governance/create-governance';
import type { Logger } from '../logging/logger';
import { executeTool } from '../mcp/call-tool';
import type { ToolDefinition } from '../tool/define-tool';
import type { RegisteredTool } from '../tool/tool-set';
import type { ServiceDefinition } from './create-service';

type AnyTool<Deps> = ToolDefinition<z.ZodObject<z.ZodRawShape>, z.ZodObject<z.ZodRawShape>, Deps>;

export interface ServiceApprovals<Deps> {
  readonly service: Approvals;
  runApproved(approvalId: string): Promise<unknown>;
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
  // The approved call runs with the requester as actor, limited to the tool's own scope.
  const runner: ApprovedCallRunner = async (request, input) => {
    const tool = registered.get(request.tool);
    if (!tool || tool.definition.risk !== 'high') return { ok: false, result: JSON.stringify({ error: `Tool ${request.tool} is no longer served as a high-risk tool` }) };
    const requester = { subject: request.requester, clientId: 'approval', scopes: new Set([tool.definition.scope]), issuer: 'approval', expiresAt: 0 };
    const { result, outcome } = await executeTool(tool, input, { actor: requester, requestId: `approval:${request.approval_id}`, logger, deps: definition.deps });
    return { ok: outcome === 'ok', result: JSON.stringify(result.structuredContent ?? { error: result.content[0]?.text ?? 'failed' }) };
  };
  const service: Approvals = createApprovals({
    server: definition.name,
    store: adapters.store,
    signer: adapters.signer,
    ttlSeconds: adapters.ttlSeconds,
    audit,
    logger,
    workflow: adapters.workflow((approvalId) => service.execute(approvalId, runner)),
  });
  return { service, runApproved: (approvalId) => service.execute(approvalId, runner), bind: (tools) => void (registered = tools) };
}
