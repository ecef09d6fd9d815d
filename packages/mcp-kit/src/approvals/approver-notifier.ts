import type { ApprovalRequest } from './approval-request';

/** Tells approvers that a request waits for them. */
export interface ApproverNotifier {
  notify(request: ApprovalRequest): Promise<void>;
}

/**
 * What approvers are told: which tool, on which server, for whom, until when, and how to see
 * the details. Never the arguments: a notification travels to mail and chat systems; the
 * arguments are read through the authenticated approval API.
 */
/** A request's page in the approvals console: what notifications and confirmation links point to. */
export function consolePageOf(consoleUrl: string, approvalId: string): string {
  return `${consoleUrl.replace(/\/$/, '')}/approvals/${encodeURIComponent(approvalId)}`;
}

export function notificationOf(request: ApprovalRequest, consoleUrl?: string): { subject: string; message: string } {
  const id = encodeURIComponent(request.approval_id);
  return {
    subject: `Approval needed: ${request.tool} on ${request.server}`.slice(0, 100),
    message: [
      `${request.requester} asks to run ${request.tool} on ${request.server}.`,
      `Approval id: ${request.approval_id}`,
      `Decide before: ${request.expires_at}`,
      ...(consoleUrl ? [`Decide in the console: ${consolePageOf(consoleUrl, request.approval_id)}`] : []),
      `Details: GET /approvals/${id} on the ${request.server} server (scope approvals:decide),`,
      `or locally: npm run approvals -- show ${id}`,
    ].join('\n'),
  };
}
