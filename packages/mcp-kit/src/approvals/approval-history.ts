import type { ApprovalRequest, ApprovalStatus, ApprovalTransition } from './approval-request';
import { bindArguments, type DecisionSigner } from './approval-signer';

/** Where each status may go next; anything else in a history is tampering. */
const NEXT: Record<ApprovalStatus, readonly ApprovalStatus[]> = {
  pending: ['approved', 'rejected', 'expired', 'failed'],
  approved: ['executing'],
  executing: ['executed', 'failed'],
  rejected: [],
  expired: [],
  executed: [],
  failed: [],
};

/** The next signed transition of `request`, chained to its last one. */
export function nextTransition(
  request: ApprovalRequest,
  signer: DecisionSigner,
  move: { status: ApprovalTransition['status']; at: Date; by?: string; decisionSignature?: string },
): ApprovalTransition {
  return signer.signTransition(request.approval_id, {
    status: move.status,
    at: move.at.toISOString(),
    by: move.by ?? null,
    decision_signature: move.decisionSignature ?? null,
    prev: request.transitions.at(-1)?.signature ?? request.request_signature,
  });
}

/**
 * Why a stored request cannot be trusted as it stands, or undefined: its signed fields, its
 * arguments against their hash, and its history of status changes, each signed and chained,
 * ending where the table's `status` says it is. Only one unsigned move is taken: a pending
 * request marked `expired` (the Step Functions state machine writes that one itself when its
 * wait times out, and it only ever closes a request).
 */
export function integrityProblem(request: ApprovalRequest, signer: DecisionSigner): string | undefined {
  if (!signer.verifyRequest(request)) return 'the request has been altered in the store';
  if (!argumentsMatch(request)) return 'its arguments differ from those requested';
  let prev = request.request_signature;
  let status: ApprovalStatus = 'pending';
  for (const transition of request.transitions) {
    if (transition.prev !== prev || !signer.verifyTransition(request.approval_id, transition)) return 'its history of status changes has been altered in the store';
    if (!NEXT[status].includes(transition.status)) return `its history moves from ${status} to ${transition.status}`;
    if (isDecision(transition.status) && transition.decision_signature !== request.decision?.signature) return 'its decision is not the one its history records';
    prev = transition.signature;
    status = transition.status;
  }
  if (status === 'pending' && request.decision !== null) return 'it carries a decision its history does not record';
  const { decision } = request;
  if (decision && (!signer.verify(decision) || decision.approval_id !== request.approval_id || decision.request_signature !== request.request_signature)) {
    return 'its decision (approver, reason or time) has been altered in the store';
  }
  if (request.status === status) return undefined;
  if (request.status === 'expired' && status === 'pending') return undefined;
  return `it is marked ${request.status}, but its signed history ends ${status}`;
}

const isDecision = (status: ApprovalStatus) => status === 'approved' || status === 'rejected';

function argumentsMatch(request: ApprovalRequest): boolean {
  try {
    return bindArguments(JSON.parse(request.arguments)).argumentsHash === request.arguments_hash;
  } catch {
    return false;
  }
}
