import MiniSearch, { type Options, type SearchResult } from 'minisearch';
import type { PolicyDocument } from './policy-document';
import { processTerm } from './text-analysis';

/** One indexed unit: a section of a policy. Its text stays with the document, not in the index. */
export interface SectionRecord {
  id: string;
  documentId: string;
  position: number;
  title: string;
  heading: string;
  text: string;
  tags: string;
}

export type SectionHit = SearchResult & { documentId: string; position: number };

/**
 * BM25 ranking (MiniSearch) over title, heading, body and tags: stemmed terms, title and
 * heading boosts, prefix matching for the last term and fuzzy matching for terms of 6+ letters.
 */
export const INDEX_OPTIONS: Options<SectionRecord> = {
  fields: ['title', 'heading', 'text', 'tags'],
  storeFields: ['documentId', 'position'],
  processTerm,
  searchOptions: {
    boost: { title: 1.5, heading: 1.5, tags: 1 },
    // Prefix matching for the last word only (the one a user may not have finished), and
    // fuzzy matching for longer words: both widen the search, and cost time on large corpora.
    prefix: (term, index, terms) => index === terms.length - 1 && term.length >= 3,
    fuzzy: (term) => (term.length >= 6 ? 0.2 : false),
    maxFuzzy: 1,
  },
};

export function createSearchIndex(): MiniSearch<SectionRecord> {
  return new MiniSearch(INDEX_OPTIONS);
}

export function loadSearchIndex(json: string): MiniSearch<SectionRecord> {
  return MiniSearch.loadJSON(json, INDEX_OPTIONS);
}

export function sectionRecords(document: PolicyDocument): SectionRecord[] {
  return document.sections.map((section, position) => ({
    id: sectionId(document.id, position),
    documentId: document.id,
    position,
    title: document.title,
    heading: section.heading,
    text: section.text,
    tags: document.tags.join(' '),
  }));
}

export function sectionId(documentId: string, position: number): string {
  return `${documentId}#${position}`;
}
