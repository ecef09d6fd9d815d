import { z } from 'zod';
import { clearanceOf, highestClassification } from '../policies/clearance';
import { tool } from '../deps';
import { CursorInput, offsetCursor } from './cursor';
import { POLICY_TOOL_GOVERNANCE, PolicyFilterInput, PolicySummary, summaryOf } from './policy-schemas';

export const listPolicies = tool({
  name: 'list_policies',
  title: 'List company policies',
  description: 'The policy catalogue, by title, with owner, category, classification, effective date and tags. Filters narrow it down.',
  ...POLICY_TOOL_GOVERNANCE,
  input: z.object({
    ...PolicyFilterInput,
    limit: z.number().int().min(1).max(100).default(50),
    cursor: CursorInput,
  }),
  output: z.object({ policies: z.array(PolicySummary), total: z.number().int(), next_cursor: z.string().nullable() }),
  handler: async ({ limit, cursor, ...filters }, ctx) => {
    const clearance = clearanceOf(ctx.actor.scopes);
    const request = ['list', filters, clearance, limit];
    const offset = offsetCursor.decode(cursor, request, ctx) ?? 0;
    const all = (await ctx.deps.library()).catalogue(clearance, filters);
    const page = all.slice(offset, offset + limit);
    const next = offset + page.length;
    return { policies: page.map(summaryOf), total: all.length, next_cursor: next < all.length ? offsetCursor.encode(next, request, ctx) : null };
  },
  classify: (output) => highestClassification(output.policies.map((policy) => policy.classification)),
  render: ({ policies, total }) =>
    [...policies.map((policy) => `- ${policy.title} [${policy.document_id}] ${policy.category}, ${policy.owner}, ${policy.classification}`), `(${total} policies)`].join('\n'),
});
