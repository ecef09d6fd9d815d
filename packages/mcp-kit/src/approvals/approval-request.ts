import { z } from 'zod';

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'executing', 'executed', 'failed'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** A human's decision on one request, signed over exactly what was decided. */
export const ApprovalDecision = z.object({
  approval_id: z.string(),
  arguments_hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** The request's own signature: the decision is bound to the server, tool, requester and expiry it saw. */
  request_signature: z.string(),
  approver: z.string().min(1),
  decision: z.enum(['approved', 'rejected']),
  reason: z.string().max(2000).nullable(),
  decided_at: z.iso.datetime(),
  /** HMAC-SHA256 (base64url) over the canonical JSON of the fields above. */
  signature: z.string(),
});
export type ApprovalDecision = z.output<typeof ApprovalDecision>;

/** The statuses a request moves to after `pending`, each by a signed transition. */
export const TRANSITION_STATUSES = ['approved', 'rejected', 'expired', 'failed', 'executing', 'executed'] as const;

/**
 * One move of a request's status, signed (approval key) and chained to the one before it (the
 * first to the request's own signature): the table's `status` must be where the chain ends.
 */
export const ApprovalTransition = z.object({
  status: z.enum(TRANSITION_STATUSES),
  at: z.iso.datetime(),
  /** Who moved it: the approver for a decision, null for the platform's own moves. */
  by: z.string().nullable(),
  /** For approved / rejected: the signature of the decision it records. */
  decision_signature: z.string().nullable(),
  /** The previous transition's signature, or the request's for the first. */
  prev: z.string(),
  signature: z.string(),
});
export type ApprovalTransition = z.output<typeof ApprovalTransition>;

/**
 * A high-risk call waiting for, or past, a human decision. The arguments are the exact
 * validated input, kept whole so that the approved call (and only it) can run later.
 */
export const ApprovalRequest = z.object({
  approval_id: z.string().uuid(),
  server: z.string(),
  tool: z.string(),
  /** Canonical JSON of the validated arguments. */
  arguments: z.string().max(65_536),
  /** sha256 hex of `arguments`. */
  arguments_hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** The tool definition the request was made under (see definition-hash.ts): the approved call runs only under it. */
  definition_hash: z.string().regex(/^sha256:[0-9a-f]{64}$/).optional(),
  requester: z.string(),
  /**
   * `confirmation`: a medium-risk change its own caller confirms in the console (a client that
   * cannot answer in band); no second person decides it. Absent: a high-risk approval.
   */
  kind: z.enum(['confirmation']).optional(),
  /** The request id of the tools/call that asked for it (joins the audit trail). */
  request_id: z.string(),
  requested_at: z.iso.datetime(),
  expires_at: z.iso.datetime(),
  /**
   * HMAC over server, tool, arguments and definition hashes, requester, request id, requested and expiry
   * times, written when the request is recorded: none of them can be edited in the store.
   */
  request_signature: z.string(),
  status: z.enum(APPROVAL_STATUSES),
  decision: ApprovalDecision.nullable(),
  /** Where the workflow runs it (a Step Functions execution ARN on AWS). */
  workflow_ref: z.string().nullable(),
  /** The waiting task's token (Step Functions), recorded by the notifier; needed to deliver the decision. */
  task_token: z.string().max(4096).nullable(),
  executed_at: z.iso.datetime().nullable(),
  /** The tool's structured result (canonical JSON) or its error message, once executed. */
  result: z.string().nullable(),
  /** Every status change since the request, oldest first (see ApprovalTransition). */
  transitions: z.array(ApprovalTransition).default([]),
});
export type ApprovalRequest = z.output<typeof ApprovalRequest>;

/** What a new request holds besides what it binds: nothing decided, started or run yet. */
export const NEW_REQUEST_STATE = { status: 'pending', decision: null, workflow_ref: null, task_token: null, executed_at: null, result: null } as const;
