import { z } from 'zod';
import { NotFoundError } from '@gmcp/mcp-kit';
import { clearanceOf } from '../policies/clearance';
import type { PolicySection } from '../policies/policy-document';
import { tool } from '../deps';
import { CursorInput, offsetCursor } from './cursor';
import { POLICY_TOOL_GOVERNANCE, PolicyId, PolicySummary, summaryOf } from './policy-schemas';

/** Characters of section text per page; long documents are read in several calls. */
export const PAGE_CHARACTERS = 12_000;

const Part = z.object({
  heading: z.string(),
  text: z.string(),
  section_index: z.number().int().describe('position of the section in the document'),
  continued: z.boolean().describe('true when this text continues the section from the previous page'),
});

export const getPolicy = tool({
  name: 'get_policy',
  title: 'Read a company policy',
  description:
    'A policy document by id (as returned by search_policies or list_policies), or one section of it. ' +
    'Long content comes in pages: call again with next_cursor until it is null.',
  ...POLICY_TOOL_GOVERNANCE,
  input: z.object({
    document_id: PolicyId,
    section: z.string().trim().min(1).max(200).optional().describe('a section heading, exactly as search_policies returned it'),
    cursor: CursorInput,
  }),
  output: PolicySummary.extend({ sections: z.array(Part), section_count: z.number().int(), next_cursor: z.string().nullable() }),
  handler: async ({ document_id, section, cursor }, ctx) => {
    const document = (await ctx.deps.library()).get(document_id, clearanceOf(ctx.actor.scopes));
    if (!document) throw new NotFoundError(`No policy "${document_id}" (or it is above your clearance). Use list_policies to see the catalogue.`);
    const positions = document.sections.map((_entry, position) => position).filter((position) => section === undefined || document.sections[position]!.heading === section);
    if (positions.length === 0) {
      throw new NotFoundError(`Policy "${document_id}" has no section "${section}". Its sections: ${document.sections.map((entry) => entry.heading).join(' | ')}`);
    }
    const request = ['get', document_id, section, document.lastModified.toISOString()];
    const page = pageOf(document.sections, positions, offsetCursor.decode(cursor, request, ctx) ?? 0);
    return {
      ...summaryOf(document),
      sections: page.parts,
      section_count: document.sections.length,
      next_cursor: page.next === undefined ? null : offsetCursor.encode(page.next, request, ctx),
    };
  },
  classify: (output) => output.classification,
  render: (output) =>
    [`# ${output.title} [${output.document_id}, ${output.classification}, effective ${output.effective}]`, ...output.sections.map((part) => `## ${part.heading}${part.continued ? ' (continued)' : ''}\n${part.text}`), output.next_cursor ? '(more: call again with next_cursor)' : ''].filter(Boolean).join('\n\n'),
});

/**
 * Up to PAGE_CHARACTERS of text starting at `offset`, counted over the chosen sections'
 * text laid end to end; a section longer than a page is split across pages.
 */
function pageOf(sections: readonly PolicySection[], positions: number[], offset: number) {
  const parts: z.output<typeof Part>[] = [];
  let start = 0;
  let budget = PAGE_CHARACTERS;
  for (const position of positions) {
    const { heading, text } = sections[position]!;
    const end = start + text.length;
    if (end > offset && budget > 0) {
      const from = Math.max(0, offset - start);
      const slice = text.slice(from, from + budget);
      parts.push({ heading, text: slice, section_index: position, continued: from > 0 });
      budget -= slice.length;
    }
    start = end;
  }
  const next = offset + (PAGE_CHARACTERS - budget);
  return { parts, next: next < start ? next : undefined };
}
