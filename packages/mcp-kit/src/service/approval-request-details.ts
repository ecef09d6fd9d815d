import { ToolError } from '../errors/errors';
import type { Logger } from '../logging/logger';
import { validateInput } from '../pipeline/validate-input';
import type { ToolContext } from '../tool/define-tool';
import { appError, type RegisteredTool } from '../tool/tool-set';
import type { ApprovalRequest } from '../approvals/approval-request';
import type { ApprovalRequestDetails } from '../approvals/approval-request-details';

/**
 * The tool's identity and, for a pending request, its precheck run again now on the exact
 * arguments: the current value beside the proposed one, or why it can no longer succeed.
 */
export async function approvalRequestDetails<Deps>(
  request: ApprovalRequest,
  tool: RegisteredTool<Deps> | undefined,
  contextFor: (tool: RegisteredTool<Deps>) => ToolContext<Deps>,
  logger: Logger,
): Promise<ApprovalRequestDetails> {
  const requested = request.definition_hash ?? null;
  const base = {
    tool: tool ? { title: tool.definition.title, description: tool.definition.description, risk: tool.definition.risk, owner: tool.definition.owner, definition_hash: tool.definitionHash } : null,
    requested_definition_hash: requested,
    definition_changed: !tool || (requested !== null && requested !== tool.definitionHash),
  };
  if (!tool || request.status !== 'pending') return { ...base, changes: null, would_fail: null };
  const validated = validateInput(tool, JSON.parse(request.arguments));
  if (!validated.ok) return { ...base, changes: null, would_fail: validated.error.message };
  try {
    const changes = await tool.definition.precheck?.(validated.input as never, contextFor(tool));
    return { ...base, changes: changes ? [...changes] : [], would_fail: null };
  } catch (thrown) {
    const error = appError(tool, thrown);
    if (error instanceof ToolError) return { ...base, changes: null, would_fail: error.message };
    logger.warn('approval preview precheck failed', { tool: tool.definition.name, approvalId: request.approval_id, error: error as Error });
    return { ...base, changes: null, would_fail: null };
  }
}
