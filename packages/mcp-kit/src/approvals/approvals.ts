import { randomUUID } from 'node:crypto';
import type { Actor } from '../auth/actor';
import type { AuditTrail } from '../audit/audit-trail';
import { ApprovalError } from '../errors/errors';
import type { Logger } from '../logging/logger';
import { NEW_REQUEST_STATE, type ApprovalRequest } from './approval-request';
import { bindArguments, type DecisionSigner } from './approval-signer';
import type { ApprovalStore } from './approval-store';
import type { ApprovalWorkflow } from './approval-workflow';
import { ApprovalWorkflowError } from './step-functions-workflow';

/** What a high-risk call returns at once instead of its result. */
export interface PendingApproval {
  status: 'pending_approval';
  approval_id: string;
  expires_at: string;
  message: string;
}

/** Runs an approved call: the tool's handler on exactly the approved arguments. */
export type ApprovedCallRunner = (request: ApprovalRequest, input: unknown) => Promise<{ ok: boolean; result: string }>;

export interface ApprovalsOptions {
  server: string;
  store: ApprovalStore;
  workflow: ApprovalWorkflow;
  signer: DecisionSigner;
  audit: AuditTrail;
  logger: Logger;
  /** How long an approver has to decide. */
  ttlSeconds: number;
  clock?: () => Date;
}

export interface Approvals {
  /** `definitionHash`: the tool's definition now; the approved call runs only if it is unchanged. */
  request(call: { tool: string; definitionHash?: string; input: unknown; actor: Actor; requestId: string }): Promise<PendingApproval>;
  decide(approvalId: string, decision: { approver: Actor; decision: 'approved' | 'rejected'; reason: string | null; requestId: string }): Promise<ApprovalRequest>;
  /** Checks the signed decision against the stored request, claims it (single use) and runs it. */
  execute(approvalId: string, run: ApprovedCallRunner): Promise<ApprovalRequest>;
  /**
   * Records the waiting task's token (the notifier of the Step Functions workflow calls this).
   * When the decision came first, it is delivered now instead: item-level ordering in the
   * store means exactly one of `decide` and this sees both the decision and the token.
   */
  recordTaskToken(approvalId: string, taskToken: string): Promise<'waiting' | 'delivered' | 'closed'>;
  /** The request as it stands; a pending request past its expiry is marked expired first. */
  status(approvalId: string): Promise<ApprovalRequest | undefined>;
  list(query: { status: ApprovalRequest['status']; limit: number }): Promise<ApprovalRequest[]>;
}

export function createApprovals(options: ApprovalsOptions): Approvals {
  const clock = options.clock ?? (() => new Date());
  const origin = (requestId: string) => ({ requestId });
  /** Only this server's requests exist for it: a shared table or key never lets one server act on another's. */
  const load = async (approvalId: string) => {
    const request = await options.store.get(approvalId);
    if (!request || request.server !== options.server) throw new ApprovalError(`No approval request ${approvalId}`, 'not_found');
    return request;
  };

  const decisionRefusal = (request: ApprovalRequest, approver: Actor, decision: 'approved' | 'rejected', reason: string | null): ApprovalError | undefined => {
    if (!options.signer.verifyRequest(request)) return new ApprovalError(`Approval ${request.approval_id} has been altered in the store and cannot be decided`, 'conflict');
    if (request.status !== 'pending') return new ApprovalError(`Approval ${request.approval_id} is ${request.status}, not pending`);
    if (approver.subject === request.requester) return new ApprovalError('The requester cannot approve or reject their own request', 'forbidden');
    if (decision === 'rejected' && !reason?.trim()) return new ApprovalError('A rejection needs a reason', 'invalid');
    return undefined;
  };

  /** A decision the workflow will not take (its wait timed out meanwhile) stays recorded; the log says so. */
  const deliver = async (decision: ApprovalRequest['decision'] & object, taskToken: string) => {
    try {
      await options.workflow.deliver(decision, taskToken);
    } catch (error) {
      if (!(error instanceof ApprovalWorkflowError)) throw error;
      options.logger.error('approval decision could not be delivered to the workflow', { approvalId: decision.approval_id, error });
      throw new ApprovalError(`The decision on ${decision.approval_id} is recorded, but the approval workflow did not take it (it may have expired meanwhile)`, 'conflict');
    }
  };

  const expireIfDue = async (request: ApprovalRequest): Promise<ApprovalRequest> => {
    const now = clock();
    if (request.status !== 'pending' || new Date(request.expires_at) > now) return request;
    if (await options.store.expire(request.approval_id, now)) {
      await options.audit.record({ event: 'approval_expired', decision: 'denied', reason: 'expired', origin: origin(request.request_id), tool: request.tool, approvalId: request.approval_id });
    }
    return load(request.approval_id);
  };

  const approvals: Approvals = {
    async request({ tool, definitionHash, input, actor, requestId }) {
      const now = clock();
      const bound = bindArguments(input);
      const fixed = {
        approval_id: randomUUID(),
        server: options.server,
        tool,
        arguments_hash: bound.argumentsHash,
        ...(definitionHash ? { definition_hash: definitionHash } : {}),
        requester: actor.subject,
        request_id: requestId,
        requested_at: now.toISOString(),
        expires_at: new Date(now.getTime() + options.ttlSeconds * 1000).toISOString(),
      };
      const request: ApprovalRequest = {
        ...fixed,
        arguments: bound.arguments,
        request_signature: options.signer.signRequest(fixed),
        ...NEW_REQUEST_STATE,
      };
      await options.store.create(request);
      await options.audit.record({ event: 'approval_requested', decision: 'allowed', reason: 'approval_required', origin: origin(requestId), actor, tool, risk: 'high', arguments: input, approvalId: request.approval_id });
      const { workflowRef, taskToken } = await options.workflow.start(request).catch(async (error: unknown) => {
        await options.store.abandon(request.approval_id, 'the approval workflow could not be started');
        throw error;
      });
      await options.store.recordWorkflow(request.approval_id, workflowRef);
      if (taskToken) await approvals.recordTaskToken(request.approval_id, taskToken);
      return {
        status: 'pending_approval',
        approval_id: request.approval_id,
        expires_at: request.expires_at,
        message: `Waiting for a human to approve ${tool}. Check with get_request_status until it is approved and executed, rejected or expired.`,
      };
    },

    async decide(approvalId, { approver, decision, reason, requestId }) {
      const request = await expireIfDue(await load(approvalId));
      // The same approver repeating the same decision: deliver it again (a delivery may have failed).
      if (isRepeatOf(request, approver, decision) && request.task_token) {
        await deliver(request.decision!, request.task_token).catch((error: unknown) => {
          if (!(error instanceof ApprovalError)) throw error; // the workflow already took it
        });
        return load(approvalId);
      }
      const refusal = decisionRefusal(request, approver, decision, reason);
      if (refusal) {
        await options.audit.record({ event: 'approval_decided', decision: 'denied', reason: `decision_refused: ${refusal.message}`, origin: origin(requestId), actor: approver, tool: request.tool, approvalId });
        throw refusal;
      }
      const signed = options.signer.sign({
        approval_id: approvalId,
        arguments_hash: request.arguments_hash,
        request_signature: request.request_signature,
        approver: approver.subject,
        decision,
        reason: reason?.trim() || null,
        decided_at: clock().toISOString(),
      });
      const decided = await options.store.decide(approvalId, signed, clock());
      if (!decided) throw new ApprovalError(`Approval ${approvalId} was decided or expired meanwhile`);
      options.logger.info('approval decided', { approvalId, tool: request.tool, approver: approver.subject, decision });
      await options.audit.record({
        event: 'approval_decided',
        decision: decision === 'approved' ? 'allowed' : 'denied',
        reason: decision === 'approved' ? 'approved' : `rejected: ${signed.reason}`,
        origin: origin(requestId),
        actor: approver,
        tool: request.tool,
        approvalId,
      });
      // Without a token yet, the notifier delivers the decision when it records one.
      if (decided.task_token) await deliver(signed, decided.task_token);
      return load(approvalId);
    },

    async recordTaskToken(approvalId, taskToken) {
      if (await options.store.recordTaskToken(approvalId, taskToken)) return 'waiting';
      const request = await load(approvalId);
      if (!request.decision || (request.status !== 'approved' && request.status !== 'rejected')) return 'closed';
      await deliver(request.decision, taskToken);
      return 'delivered';
    },

    async execute(approvalId, run) {
      const request = await load(approvalId);
      const refusal = executionRefusal(request, options.signer, clock());
      if (refusal) {
        await options.audit.record({ event: 'approval_executed', decision: 'denied', reason: refusal, origin: origin(request.request_id), tool: request.tool, approvalId });
        throw new ApprovalError(`Approval ${approvalId} cannot run: ${refusal}`);
      }
      if (!(await options.store.claim(approvalId))) {
        await options.audit.record({ event: 'approval_executed', decision: 'denied', reason: 'already_used', origin: origin(request.request_id), tool: request.tool, approvalId });
        throw new ApprovalError(`Approval ${approvalId} has already been used`);
      }
      const started = Date.now();
      const outcome = await run(request, JSON.parse(request.arguments)).catch((error: unknown) => {
        options.logger.error('approved call failed', { approvalId, error: error as Error });
        return { ok: false, result: JSON.stringify({ error: 'The approved call failed unexpectedly' }) };
      });
      await options.store.complete(approvalId, { status: outcome.ok ? 'executed' : 'failed', result: outcome.result, executedAt: clock() });
      options.logger.info('approved call ran', { approvalId, tool: request.tool, outcome: outcome.ok ? 'executed' : 'failed' });
      await options.audit.record({
        event: 'approval_executed',
        decision: 'allowed',
        reason: `approved by ${request.decision!.approver}`,
        origin: origin(request.request_id),
        actor: { subject: request.requester, clientId: 'approval', scopes: new Set(), issuer: 'approval', expiresAt: 0 },
        tool: request.tool,
        approvalId,
        arguments: JSON.parse(request.arguments),
        outcome: outcome.ok ? 'ok' : 'tool_error',
        durationMs: Date.now() - started,
      });
      return load(approvalId);
    },

    status: async (approvalId) => {
      const request = await options.store.get(approvalId);
      return request && request.server === options.server ? expireIfDue(request) : undefined;
    },
    list: (query) => options.store.list({ ...query, server: options.server }),
  };
  return approvals;
}

/** A decision that was already recorded, by the same approver, the same way, and not yet run. */
function isRepeatOf(request: ApprovalRequest, approver: Actor, decision: 'approved' | 'rejected'): boolean {
  return (request.status === 'approved' || request.status === 'rejected') && request.decision?.approver === approver.subject && request.decision.decision === decision;
}

/** How long after its expiry an approved request may still start running (the workflow's own delays). */
const EXECUTION_GRACE_MS = 15 * 60 * 1000;

/**
 * Why a stored request must not run, or undefined: it must be approved, with a decision
 * whose signature holds, that is bound to these very arguments, and made before expiry.
 */
export function executionRefusal(request: ApprovalRequest, signer: DecisionSigner, now: Date): string | undefined {
  const { decision } = request;
  if (request.status !== 'approved') return `it is ${request.status}`;
  if (!decision || decision.decision !== 'approved') return 'no approval is recorded';
  if (!signer.verify(decision)) return 'the approval signature does not match';
  if (!signer.verifyRequest(request)) return 'the request has been altered in the store';
  if (decision.approval_id !== request.approval_id || decision.request_signature !== request.request_signature) return 'the approval belongs to another request';
  if (decision.arguments_hash !== request.arguments_hash || bindArguments(JSON.parse(request.arguments)).argumentsHash !== request.arguments_hash) {
    return 'the arguments differ from those approved';
  }
  if (decision.approver === request.requester) return 'it was approved by its requester';
  if (new Date(decision.decided_at) > new Date(request.expires_at)) return 'it was approved after it expired';
  if (now.getTime() > new Date(request.expires_at).getTime() + EXECUTION_GRACE_MS) return 'it was not run in time';
  return undefined;
}
