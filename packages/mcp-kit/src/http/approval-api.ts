import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { Approvals } from '../approvals/approvals';
import { APPROVAL_STATUSES } from '../approvals/approval-request';
import { APPROVER_SCOPE, REQUEST_STATUS_SCOPE, requestStatusView } from '../approvals/request-status-tool';
import { personOf } from '../auth/actor';
import type { AnswerContext } from '../errors/error-table';
import { ApprovalError, InsufficientScopeError } from '../errors/errors';
import type { Logger } from '../logging/logger';
import type { AuditTrail } from '../audit/audit-trail';
import { contextOf } from './request-context';
import type { Actor } from '../auth/actor';
import type { ApprovalRequest } from '../approvals/approval-request';
import type { ApprovalRequestDetails } from '../approvals/approval-request-details';
import { InvalidPageCursorError } from '../approvals/approval-store';
import { jsonBody } from './json-body';
import { sendError } from './send-error';

export const APPROVALS_PATH = '/approvals';

const ListQuery = z
  .object({
    status: z.enum(APPROVAL_STATUSES).optional(),
    /** `mine=true`: the caller's own requests (of any status unless one is given). */
    mine: z.enum(['true', 'false']).default('false'),
    /** `approval` (a second person decides) or `confirmation` (its requester's own). */
    kind: z.enum(['approval', 'confirmation']).optional(),
    tool: z.string().regex(/^[a-z0-9_]{1,64}$/).optional(),
    requester: z.string().min(1).max(256).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    after: z.string().max(2048).optional(),
  })
  .strict();
const DecisionBody = z.object({ decision: z.enum(['approve', 'reject']), reason: z.string().trim().max(2000).optional() }).strict();
const ApprovalIdParam = z.object({ id: z.uuid('the approval id must be a UUID') });

/**
 * The approvers' API, behind the same authentication as `/mcp`: approvers (`approvals:decide`
 * through an approver client) list requests, read one with its details and approve or reject
 * it; anyone signed in lists and reads their own requests. The decision is signed and audited
 * by the approvals module; the approver can never be the requester.
 */
export function approvalApi(
  approvals: Approvals,
  answers: AnswerContext,
  logger: Logger,
  audit: AuditTrail,
  approverClientIds?: readonly string[],
  details?: (request: ApprovalRequest) => Promise<ApprovalRequestDetails>,
): Router {
  const router = express.Router();
  /** Why `actor` may not act as an approver, or undefined when it may. */
  const approverRefusal = (actor: Actor | undefined) =>
    !actor || !actor.scopes.has(APPROVER_SCOPE) ? 'insufficient_scope' : approverClientIds && !approverClientIds.includes(actor.clientId) ? 'client_not_allowed' : undefined;
  const refusalError = (refusal: 'insufficient_scope' | 'client_not_allowed', actor: Actor | undefined) =>
    refusal === 'insufficient_scope'
      ? new InsufficientScopeError('approvals', APPROVER_SCOPE, 'The approval API')
      : new ApprovalError(`Decisions cannot come through client ${actor!.clientId}; use the approval console or CLI`, 'forbidden');
  /** A decision attempt the API refuses before the approvals module sees it: audited, then answered. */
  const refuseDecision = async (req: Request, res: Response, actor: Actor | undefined, refusal: 'insufficient_scope' | 'client_not_allowed') => {
    await audit
      .record({ event: 'approval_decided', decision: 'denied', reason: refusal, origin: { requestId: contextOf(res).requestId, ip: req.ip }, actor, approvalId: String(req.params.id) })
      .catch(() => undefined);
    throw refusalError(refusal, actor);
  };
  /** Runs a route; each route checks who may see or do what (approvers, or the requester for their own). */
  const handle = (work: (req: Request, res: Response, actor: Actor) => Promise<unknown>) => async (req: Request, res: Response) => {
    try {
      const actor = contextOf(res).actor;
      if (!actor) throw refusalError('insufficient_scope', actor);
      res.json(await work(req, res, actor));
    } catch (error) {
      // Only the request's own query, path and body are the caller's mistakes; anything else (a store item that does not parse) is the server's.
      const refusal = error instanceof InvalidPageCursorError ? new ApprovalError(error.message, 'invalid') : error;
      if (!(refusal instanceof ApprovalError) && !(refusal instanceof InsufficientScopeError)) logger.error('approval API failed', { error: refusal as Error });
      sendError(res, refusal, answers);
    }
  };

  /** Requesters read and confirm their own with `approvals:read`, as `get_request_status` shows them; approvers see all. */
  const mayRead = (actor: Actor) => actor.scopes.has(REQUEST_STATUS_SCOPE) || actor.scopes.has(APPROVER_SCOPE);
  const throughApproverClient = (actor: Actor) => approverClientIds !== undefined && approverClientIds.includes(actor.clientId);
  /** What the caller may do with `request` now, so that pages offer exactly the forms the API will take. */
  const viewerOf = (request: ApprovalRequest, actor: Actor) => {
    const pending = request.status === 'pending' && !approvals.integrity(request);
    const confirmation = request.kind === 'confirmation';
    return {
      own: personOf(actor.subject) === personOf(request.requester),
      may_confirm: pending && confirmation && actor.subject === request.requester && throughApproverClient(actor) && mayRead(actor),
      may_decide: pending && !confirmation && !approverRefusal(actor) && personOf(actor.subject) !== personOf(request.requester),
    };
  };

  router.get(
    '/',
    handle(async (req, _res, actor) => {
      const query = parseRequest(ListQuery, req.query);
      const mine = query.mine === 'true';
      const refusal = mine ? (mayRead(actor) ? undefined : 'insufficient_scope') : approverRefusal(actor);
      if (refusal) throw refusalError(refusal, actor);
      const filters = { kind: query.kind, tool: query.tool };
      const page = await approvals.list({
        ...(mine ? { requester: actor.subject, status: query.status } : { status: query.status ?? 'pending', requester: query.requester }),
        ...filters,
        limit: query.limit,
        after: query.after,
      });
      // Lists add where each request runs and how risky it is (an approval: high; a confirmation: medium).
      const listed = (request: ApprovalRequest) => ({ ...requestStatusView(request, approvals.integrity(request)), server: request.server, risk: request.kind === 'confirmation' ? 'medium' : 'high' });
      return { approvals: page.requests.map(listed), next: page.next ?? null };
    }),
  );
  router.get(
    '/:id',
    handle(async (req, _res, actor) => {
      const request = await approvals.status(parseRequest(ApprovalIdParam, req.params).id);
      // Requesters see their own requests (as through get_request_status); approvers see all.
      if (!request || !mayRead(actor) || !approvals.visibleTo(request, actor)) throw new ApprovalError(`No approval request ${req.params.id}`, 'not_found');
      return {
        ...requestStatusView(request, approvals.integrity(request)),
        arguments: JSON.parse(request.arguments) as unknown,
        viewer: viewerOf(request, actor),
        ...(details ? { details: await details(request) } : {}),
      };
    }),
  );
  router.post(
    '/:id/decision',
    ...jsonBody({ limit: '16kb' }),
    handle(async (req, res, actor) => {
      const { id } = parseRequest(ApprovalIdParam, req.params);
      // A confirmation is its requester's to make (the approvals module checks who), with
      // approvals:read, through an approver client only: never with the token the assistant
      // that asked holds. Without configured approver clients, no confirmation is taken.
      const confirmation = (await approvals.status(id))?.kind === 'confirmation';
      const refusal = confirmation ? (!mayRead(actor) ? 'insufficient_scope' : !throughApproverClient(actor) ? 'client_not_allowed' : undefined) : approverRefusal(actor);
      if (refusal) await refuseDecision(req, res, actor, refusal);
      const body = parseRequest(DecisionBody, req.body);
      const decided = await approvals.decide(id, {
        approver: actor,
        decision: body.decision === 'approve' ? 'approved' : 'rejected',
        reason: body.reason ?? null,
        requestId: contextOf(res).requestId,
      });
      return requestStatusView(decided, approvals.integrity(decided));
    }),
  );
  return router;
}

/** The caller's query, path or body, validated: a mistake there is a 400 naming the field. */
function parseRequest<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ApprovalError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'request'}: ${issue.message}`).join('; '), 'invalid');
}
