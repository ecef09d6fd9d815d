import { z } from 'zod';
import { CLASSIFICATIONS, defineTool, type ToolContext } from '@gmcp/mcp-kit';
import { clearanceOf, highestClassification } from '../policies/clearance';
import type { PolicyReaderDeps } from '../deps';

const Hit = z.object({
  document_id: z.string(),
  title: z.string(),
  section: z.string(),
  snippet: z.string().describe('Matched terms are marked **like this**'),
  score: z.number(),
  source_key: z.string(),
  last_modified: z.string(),
  classification: z.enum(CLASSIFICATIONS),
});

export const searchPolicies = defineTool({
  name: 'search_policies',
  title: 'Search company policies',
  description:
    'Full-text search over the company policy library. Returns the best-matching policy sections, with the document, ' +
    'section heading and a snippet, so an answer can cite its source. Only documents the caller is cleared to read are searched.',
  owner: 'security-engineering',
  scope: 'policies:read',
  risk: 'low',
  access: 'read',
  classification: 'restricted',
  input: z.object({
    query: z.string().trim().min(2).max(200).describe('What to look for, e.g. "how long are access logs kept"'),
    limit: z.number().int().min(1).max(20).default(5),
  }),
  output: z.object({
    hits: z.array(Hit),
    result_classification: z.enum(CLASSIFICATIONS).describe('Highest classification among the returned documents'),
  }),
  handler: async ({ query, limit }, ctx: ToolContext<PolicyReaderDeps>) => {
    const library = await ctx.deps.library();
    const hits = library.search({ query, limit, clearance: clearanceOf(ctx.actor.scopes) });
    return {
      hits: hits.map(({ document, heading, snippet, score }) => ({
        document_id: document.id,
        title: document.title,
        section: heading,
        snippet,
        score,
        source_key: document.sourceKey,
        last_modified: document.lastModified.toISOString(),
        classification: document.classification,
      })),
      result_classification: highestClassification(hits.map((hit) => hit.document.classification)),
    };
  },
  classify: (output) => output.result_classification,
  render: ({ hits }) =>
    hits.length === 0
      ? 'No matching policy sections.'
      : hits.map((hit, rank) => `${rank + 1}. ${hit.title} — ${hit.section} [${hit.document_id}, ${hit.classification}]\n   ${hit.snippet}`).join('\n'),
});
