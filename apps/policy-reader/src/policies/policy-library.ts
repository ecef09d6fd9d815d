import MiniSearch from 'minisearch';
import type { Classification } from '@gmcp/mcp-kit';
import type { BlobStore } from './blob-store';
import { parsePolicyDocument, type PolicyDocument } from './policy-document';
import { isCleared } from './clearance';

interface SectionRecord {
  id: string;
  documentId: string;
  title: string;
  heading: string;
  text: string;
  tags: string;
}

export interface PolicyHit {
  readonly document: PolicyDocument;
  readonly heading: string;
  readonly snippet: string;
  readonly score: number;
}

export interface SearchRequest {
  readonly query: string;
  readonly clearance: Classification;
  readonly limit: number;
}

const SNIPPET_RADIUS = 120;

// Words that carry no topic; dropping them keeps "can I use X with Y" about X and Y.
const STOP_WORDS = new Set(
  'a an and are as at be by can do does for from how i if in is it may my of on or our should the to us we what when where which who why will with you your'.split(' '),
);

function processTerm(term: string): string | null {
  const lower = term.toLowerCase();
  return STOP_WORDS.has(lower) ? null : lower;
}

/** The policy corpus, indexed for full-text search at section level. */
export interface PolicyLibrary {
  search(request: SearchRequest): PolicyHit[];
  readonly size: number;
}

/** Reads every document from the store and builds the in-memory index. */
export async function loadPolicyLibrary(store: BlobStore): Promise<PolicyLibrary> {
  const entries = await store.list();
  const documents = await Promise.all(
    entries.map(async (entry) => parsePolicyDocument(await store.read(entry.key), entry.key, entry.lastModified)),
  );
  const byId = new Map(documents.map((document) => [document.id, document]));
  const index = new MiniSearch<SectionRecord>({
    fields: ['title', 'heading', 'text', 'tags'],
    storeFields: ['documentId', 'heading', 'text'],
    processTerm,
    searchOptions: { boost: { title: 3, heading: 2, tags: 2 }, prefix: true, fuzzy: 0.2 },
  });
  index.addAll(documents.flatMap(sectionRecords));

  return {
    size: documents.length,
    search({ query, clearance, limit }) {
      const ranked = index.search(query, {
        filter: (result) => {
          const document = byId.get(result.documentId as string);
          return document !== undefined && isCleared(document.classification, clearance);
        },
      });
      return ranked.slice(0, limit).map((result) => ({
        document: byId.get(result.documentId as string)!,
        heading: result.heading as string,
        snippet: snippet(result.text as string, result.terms),
        score: Math.round(result.score * 1000) / 1000,
      }));
    },
  };
}

function sectionRecords(document: PolicyDocument): SectionRecord[] {
  return document.sections.map((section, position) => ({
    id: `${document.id}#${position}`,
    documentId: document.id,
    title: document.title,
    heading: section.heading,
    text: section.text,
    tags: document.tags.join(' '),
  }));
}

/** A window of text around the first matched term, with matched terms marked **like this**. */
function snippet(text: string, terms: string[]): string {
  const flat = text.replace(/\s+/g, ' ');
  const lower = flat.toLowerCase();
  const first = Math.min(...terms.map((term) => lower.indexOf(term.toLowerCase())).filter((at) => at >= 0), flat.length);
  const start = Math.max(0, (first === flat.length ? 0 : first) - SNIPPET_RADIUS);
  const window = flat.slice(start, start + SNIPPET_RADIUS * 2);
  const marked = terms.length
    ? window.replace(new RegExp(`(${terms.map(escapeRegExp).join('|')})`, 'gi'), '**$1**')
    : window;
  return `${start > 0 ? '…' : ''}${marked}${start + SNIPPET_RADIUS * 2 < flat.length ? '…' : ''}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
