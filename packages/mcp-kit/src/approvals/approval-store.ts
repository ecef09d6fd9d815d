import type { ApprovalDecision, ApprovalRequest, ApprovalStatus, ApprovalTransition } from './approval-request';

/** A status's requests, or one requester's (of any status unless `status` is given); newest first unless `oldestFirst`. */
export interface ApprovalListQuery {
  status?: ApprovalStatus;
  requester?: string;
  /** `approval` (no kind stored) or `confirmation`. */
  kind?: 'approval' | 'confirmation';
  tool?: string;
  server?: string;
  limit: number;
  oldestFirst?: boolean;
}

/** Which request is pending for one requester, tool and arguments (see `reservePending`). */
export interface PendingReservation {
  approval_id: string;
  expires_at: string;
  reserved_at: string;
}

/**
 * Approval requests with every state change made conditional on the state it leaves, so
 * that two approvers racing, a decision racing the expiry, or two executors racing can
 * never both win: the loser gets `false`. Each change appends its signed transition in the
 * same write.
 */
export interface ApprovalStore {
  create(request: ApprovalRequest): Promise<void>;
  get(approvalId: string): Promise<ApprovalRequest | undefined>;
  list(query: ApprovalListQuery): Promise<ApprovalRequest[]>;
  /** One page of `list` (filled up to `limit` when more match), with the cursor of the next page when there may be one. */
  page(query: ApprovalListQuery & { after?: string }): Promise<{ requests: ApprovalRequest[]; next?: string }>;
  recordWorkflow(approvalId: string, workflowRef: string): Promise<void>;
  /** Records the waiting task's token; only while pending. */
  recordTaskToken(approvalId: string, taskToken: string): Promise<boolean>;
  /**
   * pending and not expired at `now` → approved / rejected; returns the request as decided
   * (with the task token if one was recorded first), or undefined when the condition failed.
   */
  decide(approvalId: string, decision: ApprovalDecision, now: Date, transition: ApprovalTransition): Promise<ApprovalRequest | undefined>;
  /** pending and expired at `now` → expired. */
  expire(approvalId: string, now: Date, transition: ApprovalTransition): Promise<boolean>;
  /** pending → failed, when its workflow could not be started: nobody may approve it then. */
  abandon(approvalId: string, reason: string, transition: ApprovalTransition): Promise<boolean>;
  /** approved → executing: single use. */
  claim(approvalId: string, transition: ApprovalTransition): Promise<boolean>;
  /** executing → executed / failed, with the result. */
  complete(approvalId: string, outcome: { status: 'executed' | 'failed'; result: string; executedAt: Date }, transition: ApprovalTransition): Promise<boolean>;
  /** The reservation under `key` (one requester, tool and arguments), if any. */
  pendingFor(key: string): Promise<PendingReservation | undefined>;
  /**
   * Reserves `key` for a new request, only if it is free or still holds `replacing` (a request
   * no longer pending): false when another request took it first.
   */
  reservePending(key: string, reservation: PendingReservation, replacing: string | undefined): Promise<boolean>;
  /**
   * Marks `key` used, once (an in-band confirmation's answer): false when it was used before.
   * The mark is kept until `expiresAt` at least (then the table's TTL may remove it).
   */
  takeOnce(key: string, expiresAt: Date): Promise<boolean>;
}

/** A page cursor that `page` did not hand out (altered, or from another list). */
export class InvalidPageCursorError extends Error {
  constructor() {
    super('The page cursor is not one this list handed out');
  }
}
