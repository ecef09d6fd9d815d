import type { Approvals } from '../approvals/approvals';
import type { Classification, ToolContext } from '../tool/define-tool';
import type { RegisteredTool } from '../tool/tool-set';
import { toolErrorResult, type ToolCallResult } from './call';
import { runPrecheck } from './precheck';
import type { ExecutionOutcome } from './execute';

/**
 * A high-risk call: its precheck runs (a request that cannot succeed is refused now), then
 * its signed approval request is recorded and the approval workflow started. Its handler
 * does not run now; the approval runner runs it once an approver decides.
 */
export async function requestApproval<Deps>(
  tool: RegisteredTool<Deps>,
  input: unknown,
  ctx: ToolContext<Deps>,
  approvals: Approvals | undefined,
): Promise<{ result: ToolCallResult; outcome: ExecutionOutcome; classification: Classification }> {
  const { name, classification } = tool.definition;
  if (!approvals) return { result: toolErrorResult(`Tool ${name} needs approvals, which this server has not configured`), outcome: 'internal_error', classification };
  const checked = await runPrecheck(tool, input, ctx);
  if (checked.kind === 'refused') return { result: toolErrorResult(`${checked.message} No approval was requested.`), outcome: 'tool_error', classification };
  if (checked.kind === 'failed') {
    ctx.logger.error('approval precheck failed', { tool: name, requestId: ctx.requestId, error: checked.error as Error });
    return { result: toolErrorResult(`${name} could not be checked; no approval was requested. Retry shortly. Reference: ${ctx.requestId}`), outcome: 'internal_error', classification };
  }
  try {
    const pending = await approvals.request({ tool: name, definitionHash: tool.definitionHash, input, actor: ctx.actor, requestId: ctx.requestId });
    return {
      result: { content: [{ type: 'text', text: `${pending.message} Approval id: ${pending.approval_id} (expires ${pending.expires_at}).` }], structuredContent: { ...pending } },
      outcome: 'ok',
      classification: 'internal',
    };
  } catch (error) {
    ctx.logger.error('approval request failed', { tool: name, requestId: ctx.requestId, error: error as Error });
    return { result: toolErrorResult(`The approval for ${name} could not be started; nothing was changed. Retry shortly. Reference: ${ctx.requestId}`), outcome: 'internal_error', classification };
  }
}
