import { createHash } from 'node:crypto';
import { canonicalJson } from '../signing/canonical-json';
import { hmacOf, signatureMatches } from '../signing/hmac';
import type { ApprovalDecision, ApprovalRequest, ApprovalTransition } from './approval-request';

export type UnsignedDecision = Omit<ApprovalDecision, 'signature'>;
export type UnsignedTransition = Omit<ApprovalTransition, 'signature'>;

/** The fields of a request that are fixed when it is recorded. */
export type SignedRequestFields = Pick<ApprovalRequest, 'approval_id' | 'server' | 'tool' | 'arguments_hash' | 'definition_hash' | 'requester' | 'kind' | 'request_id' | 'requested_at' | 'expires_at'>;

/**
 * Signs requests when they are recorded, and decisions over approval id, arguments hash,
 * the request's signature (so its server, tool, requester and expiry), approver, decision,
 * reason and time.
 */
export interface DecisionSigner {
  sign(decision: UnsignedDecision): ApprovalDecision;
  verify(decision: ApprovalDecision): boolean;
  signRequest(request: SignedRequestFields): string;
  verifyRequest(request: ApprovalRequest): boolean;
  /** Signs one status change of the request `approvalId`. */
  signTransition(approvalId: string, transition: UnsignedTransition): ApprovalTransition;
  verifyTransition(approvalId: string, transition: ApprovalTransition): boolean;
}

export function createDecisionSigner(key: Buffer): DecisionSigner {
  if (key.length < 32) throw new Error('The approval signing key must be at least 32 bytes');
  const requestMac = (request: SignedRequestFields) =>
    hmacOf(key, {
      kind: 'approval-request',
      approval_id: request.approval_id,
      server: request.server,
      tool: request.tool,
      arguments_hash: request.arguments_hash,
      definition_hash: request.definition_hash,
      requester: request.requester,
      // Signed, so that no edit in the store turns an approval into a self-confirmed change (absent for approvals: their MAC is unchanged).
      request_kind: request.kind,
      request_id: request.request_id,
      requested_at: request.requested_at,
      expires_at: request.expires_at,
    });
  return {
    sign: (decision) => ({ ...decision, signature: hmacOf(key, { kind: 'approval-decision', ...decision }) }),
    verify: ({ signature, ...content }) => signatureMatches(hmacOf(key, { kind: 'approval-decision', ...content }), signature),
    signRequest: requestMac,
    verifyRequest: (request) => signatureMatches(requestMac(request), request.request_signature),
    signTransition: (approvalId, transition) => ({ ...transition, signature: hmacOf(key, { kind: 'approval-transition', approval_id: approvalId, ...transition }) }),
    verifyTransition: (approvalId, { signature, ...content }) =>
      signatureMatches(hmacOf(key, { kind: 'approval-transition', approval_id: approvalId, ...content }), signature),
  };
}

/** The canonical form of validated arguments and its sha256, which approvals bind to. */
export function bindArguments(input: unknown): { arguments: string; argumentsHash: string } {
  const text = canonicalJson(input);
  return { arguments: text, argumentsHash: createHash('sha256').update(text).digest('hex') };
}
