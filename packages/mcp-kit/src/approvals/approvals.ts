import { createHash, randomUUID } from 'node:crypto';
import { personOf, type Actor } from '../auth/actor';
import type { AuditTrail } from '../audit/audit-trail';
import type { AuditStore } from '../audit/audit-store';
import type { RecordSigner } from '../audit/signer';
import { ApprovalError } from '../errors/errors';
import type { Logger } from '../logging/logger';
import { NEW_REQUEST_STATE, type ApprovalRequest } from './approval-request';
import { bindArguments, type DecisionSigner } from './approval-signer';
import { integrityProblem, nextTransition } from './approval-history';
import { closingRecord } from './approval-finality';
import type { ApprovalStore, PendingReservation } from './approval-store';
import { ApprovalWorkflowError, type ApprovalWorkflow } from './approval-workflow';

/** What a high-risk call (or a medium-risk one waiting for its caller's confirmation) returns at once instead of its result. */
export interface PendingApproval {
  status: 'pending_approval' | 'pending_confirmation';
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
  /** The audit trail as read back: a rejection or an execution it holds is final, whatever the approvals table says. */
  auditStore: AuditStore;
  /** This server's audit signer: only records it signed can close its requests. */
  auditSigner: Pick<RecordSigner, 'verify'>;
  logger: Logger;
  /** How long an approver has to decide. */
  ttlSeconds: number;
  /** The OAuth clients through which `approvals:decide` counts; any when undefined. */
  approverClientIds?: readonly string[];
  clock?: () => Date;
}

export interface Approvals {
  /** `definitionHash`: the tool's definition now; the approved call runs only if it is unchanged. */
  /**
   * `confirmation`: the caller confirms it themselves in the console, within `ttlSeconds`; no
   * workflow starts and no approver is told.
   */
  request(call: { tool: string; definitionHash?: string; input: unknown; actor: Actor; requestId: string; confirmation?: { ttlSeconds: number } }): Promise<PendingApproval>;
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
  /** A status's requests or one requester's, newest first, a page at a time. */
  list(query: { status?: ApprovalRequest['status']; requester?: string; kind?: 'approval' | 'confirmation'; tool?: string; limit: number; after?: string }): Promise<{ requests: ApprovalRequest[]; next?: string }>;
  /** Why a stored request cannot be trusted as it stands (tampered), or undefined. */
  integrity(request: ApprovalRequest): string | undefined;
  /** Whether `actor` may read `request`: its requester, or an approver through an approver client. */
  visibleTo(request: ApprovalRequest, actor: Actor): boolean;
}

/** The scope of those who decide on requests (through an approver client). */
export const APPROVER_SCOPE = 'approvals:decide';

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
    const tampered = approvals.integrity(request);
    if (tampered) return new ApprovalError(`Approval ${request.approval_id} has been tampered with and cannot be decided: ${tampered}`, 'conflict');
    if (request.status !== 'pending') return new ApprovalError(`Approval ${request.approval_id} is ${request.status}, not pending`);
    // A confirmation is its requester's, exactly (no folding: it grants, where four-eyes only refuses).
    if (request.kind === 'confirmation') return approver.subject === request.requester ? undefined : new ApprovalError(`Only ${request.requester}, who asked for this change, can confirm or cancel it`, 'forbidden');
    if (personOf(approver.subject) === personOf(request.requester)) return new ApprovalError('The requester cannot approve or reject their own request', 'forbidden');
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
    if (await options.store.expire(request.approval_id, now, nextTransition(request, options.signer, { status: 'expired', at: now }))) {
      await options.audit.record({ event: 'approval_expired', decision: 'denied', reason: 'expired', origin: origin(request.request_id), tool: request.tool, approvalId: request.approval_id });
    }
    return load(request.approval_id);
  };

  const pendingAnswer = (tool: string, approvalId: string, expiresAt: string, kind?: 'confirmation'): PendingApproval => ({
    status: kind === 'confirmation' ? 'pending_confirmation' : 'pending_approval',
    approval_id: approvalId,
    expires_at: expiresAt,
    message:
      kind === 'confirmation'
        ? `Waiting for the user to confirm ${tool}. Check with get_request_status until it is executed, rejected (cancelled) or expired.`
        : `Waiting for a human to approve ${tool}. Check with get_request_status until it is approved and executed, rejected or expired.`,
  });

  /** The request already pending for the same requester, tool and arguments, if there is one. */
  const stillPending = async (
    reservation: PendingReservation | undefined,
    call: { tool: string; actor: Actor; argumentsHash: string; kind?: 'confirmation' },
  ): Promise<PendingApproval | 'replace' | undefined> => {
    if (!reservation) return undefined;
    const existing = await options.store.get(reservation.approval_id);
    if (!existing) {
      // Reserved by a request being recorded right now; one that never got recorded is replaced after a while.
      return clock().getTime() - new Date(reservation.reserved_at).getTime() < RESERVATION_GRACE_MS ? pendingAnswer('the request', reservation.approval_id, reservation.expires_at, call.kind) : 'replace';
    }
    const same =
      existing.server === options.server && existing.tool === call.tool && existing.requester === call.actor.subject && existing.arguments_hash === call.argumentsHash && existing.kind === call.kind;
    const open = same && existing.status === 'pending' && new Date(existing.expires_at) > clock() && !approvals.integrity(existing);
    return open ? pendingAnswer(existing.tool, existing.approval_id, existing.expires_at, existing.kind) : 'replace';
  };

  const recordRequest = async (
    { tool, definitionHash, input, actor, requestId, confirmation }: Parameters<Approvals['request']>[0],
    approvalId: string,
    now: Date,
    expiresAt: string,
  ): Promise<PendingApproval> => {
    const bound = bindArguments(input);
    const fixed = {
      approval_id: approvalId,
      server: options.server,
      tool,
      arguments_hash: bound.argumentsHash,
      ...(definitionHash ? { definition_hash: definitionHash } : {}),
      requester: actor.subject,
      ...(confirmation ? { kind: 'confirmation' as const } : {}),
      request_id: requestId,
      requested_at: now.toISOString(),
      expires_at: expiresAt,
    };
    const request: ApprovalRequest = { ...fixed, arguments: bound.arguments, request_signature: options.signer.signRequest(fixed), ...NEW_REQUEST_STATE, transitions: [] };
    await options.store.create(request);
    if (confirmation) {
      // The caller confirms it in the console: no workflow, no approver told; it runs when confirmed.
      await options.audit.record({ event: 'approval_requested', decision: 'allowed', reason: 'confirmation_required', origin: origin(requestId), actor, tool, risk: 'medium', arguments: input, approvalId });
      return pendingAnswer(tool, approvalId, expiresAt, 'confirmation');
    }
    await options.audit.record({ event: 'approval_requested', decision: 'allowed', reason: 'approval_required', origin: origin(requestId), actor, tool, risk: 'high', arguments: input, approvalId });
    const { workflowRef, taskToken } = await options.workflow.start(request).catch(async (error: unknown) => {
      await options.store.abandon(approvalId, 'the approval workflow could not be started', nextTransition(request, options.signer, { status: 'failed', at: clock() }));
      throw error;
    });
    await options.store.recordWorkflow(approvalId, workflowRef);
    if (taskToken) await approvals.recordTaskToken(approvalId, taskToken);
    return pendingAnswer(tool, approvalId, expiresAt);
  };

  /**
   * A rejection, expiry or execution in the audit trail closes a request for good. Only this
   * server's own signed records count (no other server can close, or reopen, its requests);
   * an item among them that is not a record as written fails closed.
   */
  const closedInAuditTrail = async (request: ApprovalRequest): Promise<string | undefined> => {
    const { records, anomalies } = await options.auditStore.query({ tool: request.tool, approvalId: request.approval_id, since: new Date(request.requested_at), limit: 100 });
    if (anomalies.length > 0) return `tampered with (${anomalies.length} of its audit items are not records as written)`;
    return closingRecord(records.filter((record) => record.server === options.server && options.auditSigner.verify(record)));
  };

  const approvals: Approvals = {
    async request(call) {
      const { tool, input, actor } = call;
      const kind = call.confirmation ? ('confirmation' as const) : undefined;
      const argumentsHash = bindArguments(input).argumentsHash;
      const key = createHash('sha256')
        .update(JSON.stringify([options.server, tool, actor.subject, argumentsHash, ...(kind ? [kind] : [])]))
        .digest('hex');
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const reservation = await options.store.pendingFor(key);
        const existing = await stillPending(reservation, { tool, actor, argumentsHash, kind });
        if (existing && existing !== 'replace') {
          options.logger.info('identical approval request already pending', { approvalId: existing.approval_id, tool, requester: actor.subject });
          return existing;
        }
        const approvalId = randomUUID();
        const now = clock();
        const expiresAt = new Date(now.getTime() + (call.confirmation?.ttlSeconds ?? options.ttlSeconds) * 1000).toISOString();
        if (await options.store.reservePending(key, { approval_id: approvalId, expires_at: expiresAt, reserved_at: now.toISOString() }, reservation?.approval_id)) {
          return recordRequest(call, approvalId, now, expiresAt);
        }
      }
      throw new ApprovalError('Identical requests are being recorded at the same moment; call again to get the pending one', 'conflict');
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
      const closed = decision === 'approved' ? await closedInAuditTrail(request) : undefined;
      const refusal = decisionRefusal(request, approver, decision, reason) ?? (closed && new ApprovalError(`Approval ${approvalId} cannot be approved: the audit trail shows it ${closed}`, 'conflict'));
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
      const decided = await options.store.decide(approvalId, signed, clock(), nextTransition(request, options.signer, { status: decision, at: clock(), by: approver.subject, decisionSignature: signed.signature }));
      if (!decided) throw new ApprovalError(`Approval ${approvalId} was decided or expired meanwhile`);
      options.logger.info('approval decided', { approvalId, tool: request.tool, approver: approver.subject, decision });
      await options.audit.record({
        event: 'approval_decided',
        decision: decision === 'approved' ? 'allowed' : 'denied',
        reason: request.kind === 'confirmation' ? (decision === 'approved' ? 'confirmed' : 'cancelled') : decision === 'approved' ? 'approved' : `rejected: ${signed.reason}`,
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
      const refusal = executionRefusal(request, options.signer, clock()) ?? (await closedInAuditTrail(request).then((closed) => closed && `the audit trail shows it ${closed}`));
      if (refusal) {
        await options.audit.record({ event: 'approval_executed', decision: 'denied', reason: refusal, origin: origin(request.request_id), tool: request.tool, approvalId });
        throw new ApprovalError(`Approval ${approvalId} cannot run: ${refusal}`);
      }
      const claim = nextTransition(request, options.signer, { status: 'executing', at: clock() });
      if (!(await options.store.claim(approvalId, claim))) {
        await options.audit.record({ event: 'approval_executed', decision: 'denied', reason: 'already_used', origin: origin(request.request_id), tool: request.tool, approvalId });
        throw new ApprovalError(`Approval ${approvalId} has already been used`);
      }
      const started = Date.now();
      const outcome = await run(request, JSON.parse(request.arguments)).catch((error: unknown) => {
        options.logger.error('approved call failed', { approvalId, error: error as Error });
        return { ok: false, result: JSON.stringify({ error: 'The approved call failed unexpectedly' }) };
      });
      const done = nextTransition({ ...request, transitions: [...request.transitions, claim] }, options.signer, { status: outcome.ok ? 'executed' : 'failed', at: clock() });
      await options.store.complete(approvalId, { status: outcome.ok ? 'executed' : 'failed', result: outcome.result, executedAt: clock() }, done);
      options.logger.info('approved call ran', { approvalId, tool: request.tool, outcome: outcome.ok ? 'executed' : 'failed' });
      await options.audit.record({
        event: 'approval_executed',
        decision: 'allowed',
        reason: `${request.kind === 'confirmation' ? 'confirmed' : 'approved'} by ${request.decision!.approver}`,
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
    list: (query) => options.store.page({ ...query, server: options.server }),
    integrity: (request) => integrityProblem(request, options.signer),
    visibleTo: (request, actor) =>
      request.requester === actor.subject ||
      (actor.scopes.has(APPROVER_SCOPE) && (options.approverClientIds === undefined || options.approverClientIds.includes(actor.clientId))),
  };
  return approvals;
}

/** How long a reservation may name a request not yet recorded before an identical request replaces it. */
const RESERVATION_GRACE_MS = 30_000;

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
  const tampered = integrityProblem(request, signer);
  if (tampered) return tampered;
  if (request.status !== 'approved') return `it is ${request.status}`;
  if (!decision || decision.decision !== 'approved') return 'no approval is recorded';
  if (!signer.verify(decision)) return 'the approval signature does not match';
  if (!signer.verifyRequest(request)) return 'the request has been altered in the store';
  if (decision.approval_id !== request.approval_id || decision.request_signature !== request.request_signature) return 'the approval belongs to another request';
  if (decision.arguments_hash !== request.arguments_hash || bindArguments(JSON.parse(request.arguments)).argumentsHash !== request.arguments_hash) {
    return 'the arguments differ from those approved';
  }
  if (request.kind === 'confirmation' && decision.approver !== request.requester) return 'it was confirmed by someone other than its requester';
  if (request.kind !== 'confirmation' && personOf(decision.approver) === personOf(request.requester)) return 'it was approved by its requester';
  if (new Date(decision.decided_at) > new Date(request.expires_at)) return 'it was approved after it expired';
  if (now.getTime() > new Date(request.expires_at).getTime() + EXECUTION_GRACE_MS) return 'it was not run in time';
  return undefined;
}
