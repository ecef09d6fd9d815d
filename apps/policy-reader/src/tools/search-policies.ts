import { z } from 'zod';
import { CLASSIFICATIONS } from '@gmcp/mcp-kit';
import { clearanceOf, highestClassification } from '../policies/clearance';
import { tool } from '../deps';
import { CursorInput, offsetCursor } from './cursor';
import { POLICY_TOOL_GOVERNANCE, PolicyFilterInput } from './policy-schemas';

const Hit = z.object({
  document_id: z.string(),
  title: z.string(),
  category: z.string(),
  owner: z.string(),
  section: z.string(),
  snippet: z.string().describe('Matched terms are marked **like this**'),
  score: z.number(),
  source_key: z.string(),
  last_modified: z.string(),
  classification: z.enum(CLASSIFICATIONS),
});

export const searchPolicies = tool({
  name: 'search_policies',
  title: 'Search company policies',
  description:
    'Full-text search over the company policy library, ranked by relevance at section level. Returns the matching ' +
    'sections with document id, title, section heading and a snippet, so an answer can cite its source; use get_policy ' +
    'to read a whole document or section. Put exact phrases in double quotes. Only documents the caller is cleared to read are searched.',
  ...POLICY_TOOL_GOVERNANCE,
  input: z.object({
    query: z.string().trim().min(2).max(200).describe('What to look for, e.g. "how long are access logs kept"'),
    ...PolicyFilterInput,
    limit: z.number().int().min(1).max(20).default(5),
    cursor: CursorInput,
  }),
  output: z.object({
    hits: z.array(Hit),
    total: z.number().int().describe('matching sections in all pages'),
    next_cursor: z.string().nullable(),
    result_classification: z.enum(CLASSIFICATIONS).describe('Highest classification among the returned documents'),
  }),
  handler: async ({ query, limit, cursor, category, owner, tags, classification }, ctx) => {
    const clearance = clearanceOf(ctx.actor.scopes);
    const filters = { category, owner, tags, classification };
    const request = ['search', query, filters, clearance, limit];
    const offset = offsetCursor.decode(cursor, request, ctx) ?? 0;
    const library = await ctx.deps.library();
    const { hits, total } = library.search({ query, clearance, filters, offset, limit });
    const next = offset + hits.length;
    return {
      hits: hits.map(({ document, heading, snippet, score }) => ({
        document_id: document.id,
        title: document.title,
        category: document.category,
        owner: document.owner,
        section: heading,
        snippet,
        score,
        source_key: document.sourceKey,
        last_modified: document.lastModified.toISOString(),
        classification: document.classification,
      })),
      total,
      next_cursor: next < total ? offsetCursor.encode(next, request, ctx) : null,
      result_classification: highestClassification(hits.map((hit) => hit.document.classification)),
    };
  },
  classify: (output) => output.result_classification,
  render: ({ hits, total, next_cursor }) =>
    hits.length === 0
      ? 'No matching policy sections.'
      : [
          ...hits.map((hit, rank) => `${rank + 1}. ${hit.title} — ${hit.section} [${hit.document_id}, ${hit.classification}]\n   ${hit.snippet}`),
          next_cursor ? `(${total} matching sections; more with the next cursor)` : `(${total} matching sections)`,
        ].join('\n'),
});
