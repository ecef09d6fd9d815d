import { createHash } from 'node:crypto';
import { canonicalJson, hmacOf, signatureMatches } from '../audit/signer';
import type { ApprovalDecision } from './approval-request';

export type UnsignedDecision = Omit<ApprovalDecision, 'signature'>;

/** Signs decisions over request id, arguments hash, approver, decision, reason and time. */
export interface DecisionSigner {
  sign(decision: UnsignedDecision): ApprovalDecision;
  verify(decision: ApprovalDecision): boolean;
}

export function createDecisionSigner(key: Buffer): DecisionSigner {
  if (key.length < 32) throw new Error('The approval signing key must be at least 32 bytes');
  return {
    sign: (decision) => ({ ...decision, signature: hmacOf(key, decision) }),
    verify: ({ signature, ...content }) => signatureMatches(hmacOf(key, content), signature),
  };
}

/** The canonical form of validated arguments and its sha256, which approvals bind to. */
export function bindArguments(input: unknown): { arguments: string; argumentsHash: string } {
  const text = canonicalJson(input);
  return { arguments: text, argumentsHash: createHash('sha256').update(text).digest('hex') };
}
