import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { Approvals } from '../approvals/approvals';
import { APPROVAL_STATUSES } from '../approvals/approval-request';
import { APPROVER_SCOPE, requestStatusView } from '../approvals/request-status-tool';
import type { AnswerContext } from '../errors/error-table';
import { ApprovalError, InsufficientScopeError } from '../errors/errors';
import type { Logger } from '../logging/logger';
import type { AuditTrail } from '../audit/audit-trail';
import { contextOf } from './request-context';
import { jsonBody } from './json-body';
import { sendError } from './send-error';

export const APPROVALS_PATH = '/approvals';

const ListQuery = z.object({ status: z.enum(APPROVAL_STATUSES).default('pending'), limit: z.coerce.number().int().min(1).max(100).default(50) });
const DecisionBody = z.object({ decision: z.enum(['approve', 'reject']), reason: z.string().trim().max(2000).optional() }).strict();
const ApprovalIdParam = z.object({ id: z.uuid('the approval id must be a UUID') });

/**
 * The approvers' API, behind the same authentication as `/mcp` and the `approvals:decide`
 * scope: list requests, show one, and approve or reject it. The decision is signed and
 * audited by the approvals module; the approver can never be the requester.
 */
export function approvalApi(approvals: Approvals, answers: AnswerContext, logger: Logger, audit: AuditTrail, approverClientIds?: readonly string[]): Router {
  const router = express.Router();
  const handle = (work: (req: Request, res: Response) => Promise<unknown>) => async (req: Request, res: Response) => {
    try {
      const actor = contextOf(res).actor;
      const refusal = !actor || !actor.scopes.has(APPROVER_SCOPE) ? 'insufficient_scope' : approverClientIds && !approverClientIds.includes(actor.clientId) ? 'client_not_allowed' : undefined;
      if (refusal) {
        if (req.method === 'POST') {
          await audit
            .record({ event: 'approval_decided', decision: 'denied', reason: refusal, origin: { requestId: contextOf(res).requestId, ip: req.ip }, actor, approvalId: String(req.params.id) })
            .catch(() => undefined);
        }
        throw refusal === 'insufficient_scope'
          ? new InsufficientScopeError('approvals', APPROVER_SCOPE, 'The approval API')
          : new ApprovalError(`Decisions cannot come through client ${actor!.clientId}; use the approval console or CLI`, 'forbidden');
      }
      res.json(await work(req, res));
    } catch (error) {
      const refusal = error instanceof z.ZodError ? new ApprovalError(error.issues.map((issue) => `${issue.path.join('.') || 'request'}: ${issue.message}`).join('; '), 'invalid') : error;
      if (!(refusal instanceof ApprovalError) && !(refusal instanceof InsufficientScopeError)) logger.error('approval API failed', { error: refusal as Error });
      sendError(res, refusal, answers);
    }
  };

  router.get(
    '/',
    handle(async (req) => {
      const query = ListQuery.parse(req.query);
      return { approvals: (await approvals.list(query)).map((request) => requestStatusView(request, approvals.integrity(request))) };
    }),
  );
  router.get(
    '/:id',
    handle(async (req) => {
      const request = await approvals.status(ApprovalIdParam.parse(req.params).id);
      if (!request) throw new ApprovalError(`No approval request ${req.params.id}`, 'not_found');
      return { ...requestStatusView(request, approvals.integrity(request)), arguments: JSON.parse(request.arguments) as unknown };
    }),
  );
  router.post(
    '/:id/decision',
    ...jsonBody({ limit: '16kb' }),
    handle(async (req, res) => {
      const body = DecisionBody.parse(req.body);
      const decided = await approvals.decide(ApprovalIdParam.parse(req.params).id, {
        approver: contextOf(res).actor!,
        decision: body.decision === 'approve' ? 'approved' : 'rejected',
        reason: body.reason ?? null,
        requestId: contextOf(res).requestId,
      });
      return requestStatusView(decided, approvals.integrity(decided));
    }),
  );
  return router;
}
