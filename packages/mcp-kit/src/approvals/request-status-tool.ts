import { z } from 'zod';
import { NotFoundError } from '../errors/errors';
import { defineTool } from '../tool/define-tool';
import { APPROVAL_STATUSES, type ApprovalRequest } from './approval-request';
import { APPROVER_SCOPE, type Approvals } from './approvals';

export { APPROVER_SCOPE };
export const REQUEST_STATUS_SCOPE = 'approvals:read';

const RequestStatus = z.object({
  approval_id: z.string(),
  tool: z.string(),
  kind: z.enum(['approval', 'confirmation']).describe('approval: a second person decides; confirmation: the requester confirms it in the approvals console'),
  status: z.enum([...APPROVAL_STATUSES, 'tampered']).describe('tampered: the stored request no longer matches what was signed; it will never run'),
  tampered: z.string().nullable().describe('what no longer matches, when tampered'),
  requester: z.string(),
  requested_at: z.string(),
  expires_at: z.string(),
  decided_by: z.string().nullable(),
  decided_at: z.string().nullable(),
  reason: z.string().nullable().describe('why it was rejected'),
  executed_at: z.string().nullable(),
  result: z.record(z.string(), z.unknown()).nullable().describe('the tool result once executed, or {error} if it failed'),
});

/** A request as requesters and approvers see it; `tampered` (from `Approvals.integrity`) overrides its stored status. */
export function requestStatusView(request: ApprovalRequest, tampered: string | undefined): z.input<typeof RequestStatus> {
  return {
    approval_id: request.approval_id,
    tool: request.tool,
    kind: request.kind ?? 'approval',
    status: tampered ? 'tampered' : request.status,
    tampered: tampered ?? null,
    requester: request.requester,
    requested_at: request.requested_at,
    expires_at: request.expires_at,
    decided_by: request.decision?.approver ?? null,
    decided_at: request.decision?.decided_at ?? null,
    reason: request.decision?.reason ?? null,
    executed_at: request.executed_at,
    result: request.result === null ? null : (JSON.parse(request.result) as Record<string, unknown>),
  };
}

/** The kit's own tool on servers with high-risk tools: where a request stands, and its result. */
export function requestStatusTool(approvals: Approvals) {
  return defineTool({
    name: 'get_request_status',
    title: 'Status of an approval request',
    description:
      'Where a high-risk request (or a change waiting for its requester\'s confirmation in the approvals console) stands: pending (waiting for a human approver, or for the confirmation), approved, rejected (with the reason; a cancelled confirmation), expired, ' +
      'executed (with the tool result) or failed; tampered if the stored request no longer matches what was signed (it never runs). ' +
      'Pass the approval_id a high-risk tool returned. Requesters see their own requests; approvers (through an approver client) see all.',
    owner: 'platform',
    scope: REQUEST_STATUS_SCOPE,
    risk: 'low',
    access: 'read',
    classification: 'internal',
    input: z.object({ approval_id: z.uuid() }),
    output: RequestStatus,
    handler: async ({ approval_id }, ctx) => {
      const request = await approvals.status(approval_id);
      if (!request || !approvals.visibleTo(request, ctx.actor)) throw new NotFoundError(`No approval request ${approval_id} of yours`);
      return requestStatusView(request, approvals.integrity(request));
    },
    render: (status) =>
      [
        `${status.tool} (approval ${status.approval_id}): ${status.status}${status.tampered ? ` (${status.tampered}; it will never run)` : ''}`,
        `Requested by ${status.requester} at ${status.requested_at}${status.status === 'pending' ? `; ${status.kind === 'confirmation' ? `${status.requester} confirms it in the approvals console` : 'an approver decides'} before ${status.expires_at}` : ''}.`,
        status.decided_by ? `Decided by ${status.decided_by} at ${status.decided_at}${status.reason ? `: ${status.reason}` : ''}.` : '',
        status.result ? `Result: ${JSON.stringify(status.result)}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
  });
}
