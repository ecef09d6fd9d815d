import type { Logger } from '../logging/logger';
import { validateInput } from '../pipeline/validate-input';
import type { ToolContext } from '../tool/define-tool';
import type { RegisteredTool } from '../tool/tool-set';
import { runPrecheck } from '../pipeline/precheck';
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
  const checked = await runPrecheck(tool, validated.input, contextFor(tool));
  if (checked.kind === 'ok') return { ...base, changes: checked.changes, would_fail: null };
  if (checked.kind === 'refused') return { ...base, changes: null, would_fail: checked.message };
  logger.warn('approval preview precheck failed', { tool: tool.definition.name, approvalId: request.approval_id, error: checked.error as Error });
  return { ...base, changes: null, would_fail: null };
}
