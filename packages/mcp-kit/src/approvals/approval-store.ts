import type { ApprovalDecision, ApprovalRequest, ApprovalStatus } from './approval-request';

/**
 * Approval requests with every state change made conditional on the state it leaves, so
 * that two approvers racing, a decision racing the expiry, or two executors racing can
 * never both win: the loser gets `false`.
 */
export interface ApprovalStore {
  create(request: ApprovalRequest): Promise<void>;
  get(approvalId: string): Promise<ApprovalRequest | undefined>;
  /** Newest first unless `oldestFirst`; pending ones for approvers to work through. */
  list(query: { status?: ApprovalStatus; server?: string; limit: number; oldestFirst?: boolean }): Promise<ApprovalRequest[]>;
  recordWorkflow(approvalId: string, workflowRef: string): Promise<void>;
  /** Records the waiting task's token; only while pending. */
  recordTaskToken(approvalId: string, taskToken: string): Promise<boolean>;
  /**
   * pending and not expired at `now` → approved / rejected; returns the request as decided
   * (with the task token if one was recorded first), or undefined when the condition failed.
   */
  decide(approvalId: string, decision: ApprovalDecision, now: Date): Promise<ApprovalRequest | undefined>;
  /** pending and expired at `now` → expired. */
  expire(approvalId: string, now: Date): Promise<boolean>;
  /** pending → failed, when its workflow could not be started: nobody may approve it then. */
  abandon(approvalId: string, reason: string): Promise<boolean>;
  /** approved → executing: single use. */
  claim(approvalId: string): Promise<boolean>;
  /** executing → executed / failed, with the result. */
  complete(approvalId: string, outcome: { status: 'executed' | 'failed'; result: string; executedAt: Date }): Promise<boolean>;
}
