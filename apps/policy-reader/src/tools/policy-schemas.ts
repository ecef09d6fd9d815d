import { z } from 'zod';
import { CLASSIFICATIONS } from '@gmcp/mcp-kit';
import type { PolicyDocument } from '../policies/policy-document';

/**
 * The governance profile the policy reader's tools share: owned by security engineering,
 * read-only and low risk, and able to return documents of any classification up to
 * restricted (each call's audit record carries the highest classification it returned).
 */
export const POLICY_TOOL_GOVERNANCE = {
  owner: 'security-engineering',
  scope: 'policies:read',
  risk: 'low',
  access: 'read',
  classification: 'restricted',
} as const;

export const PolicyId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'a policy id is lowercase letters, digits and dashes, e.g. "business-travel"');

/** Optional catalogue filters, shared by search and list. */
export const PolicyFilterInput = {
  category: z.string().max(64).optional().describe('e.g. security, privacy, hr, finance, operations, legal, engineering, facilities'),
  owner: z.string().max(64).optional().describe('owning team, e.g. security-engineering'),
  tags: z.array(z.string().max(64)).max(10).optional().describe('documents carrying all of these tags'),
  classification: z.enum(CLASSIFICATIONS).optional().describe('only documents of exactly this classification'),
};

export const PolicySummary = z.object({
  document_id: z.string(),
  title: z.string(),
  owner: z.string(),
  category: z.string(),
  classification: z.enum(CLASSIFICATIONS),
  effective: z.string().describe('effective date, YYYY-MM-DD'),
  tags: z.array(z.string()),
  source_key: z.string(),
  last_modified: z.string(),
});

export function summaryOf(document: PolicyDocument): z.output<typeof PolicySummary> {
  return {
    document_id: document.id,
    title: document.title,
    owner: document.owner,
    category: document.category,
    classification: document.classification,
    effective: document.effective.toISOString().slice(0, 10),
    tags: [...document.tags],
    source_key: document.sourceKey,
    last_modified: document.lastModified.toISOString(),
  };
}
