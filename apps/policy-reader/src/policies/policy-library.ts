import type { Classification, Logger } from '@gmcp/mcp-kit';
import { INDEX_KEY, type BlobStore } from './blob-store';
import { parsePolicyDocument, type PolicyDocument, type PolicySection } from './policy-document';
import { isCleared } from './clearance';
import { sectionRecords } from './search-index';
import { Bm25Index, type IndexHit, type SerializedIndex } from './bm25-index';
import { analyze, normalizeForPhrase, queryPhrases } from './text-analysis';
import { decodeExpansions, encodeExpansions, glossaryExpansions, GLOSSARY_KEY, mergeExpansions, type ExpansionLookup, type Expansions } from './vocabulary-bridge';
import { snippet } from './snippet';

export interface PolicyFilters {
  category?: string;
  owner?: string;
  /** Documents carrying every one of these tags. */
  tags?: readonly string[];
  classification?: Classification;
}

export interface PolicyHit {
  readonly document: PolicyDocument;
  readonly heading: string;
  readonly snippet: string;
  readonly score: number;
}

export interface SearchRequest {
  query: string;
  clearance: Classification;
  filters?: PolicyFilters;
  offset: number;
  limit: number;
}

/** What the tools read: the corpus as of the last refresh. */
export interface PolicyLibrary {
  search(request: SearchRequest): { hits: PolicyHit[]; total: number };
  /** Documents the caller may see that pass the filters, by title. */
  catalogue(clearance: Classification, filters?: PolicyFilters): PolicyDocument[];
  /** A document the caller may see, or undefined (also when it exists above the caller's clearance). */
  get(id: string, clearance: Classification): PolicyDocument | undefined;
  readonly size: number;
}

export interface LibraryStats {
  objectsRead: number;
  lastRefresh?: Date;
  loadedFromPrebuiltIndex: boolean;
}

const PREBUILT_VERSION = 6;
const PHRASE_IN_TEXT_BOOST = 1.5;
/** Only the best BM25 candidates are re-ranked in document context; the rest keep their order below them. */
const RERANK_WINDOW = 100;
const PHRASE_IN_HEADING_BOOST = 2;
/**
 * Sections that introduce a document (purpose, scope, definitions) mention most of its words
 * and rarely answer a question: they rank below the specific section unless nothing else matches.
 */
const INTRODUCTORY_HEADING = /^(\d+(\.\d+)*\.?\s+)?(purpose|scope|definitions?|overview|introduction|summary|applicability|principles|roles and responsibilities)\b/i;

/** How sections are re-ranked; the evaluation overrides it to measure what each part brings. */
export interface RankingSettings {
  /** What an introductory section's score is multiplied by. */
  introductoryWeight: number;
  /** A section's score is multiplied by `base + span × (share of the query's terms its document holds)`. */
  coverage: { base: number; span: number };
  /** Whether queries reach other words for the same thing (glossary, WordNet). */
  expand: boolean;
}

export const RANKING: RankingSettings = { introductoryWeight: 0.55, coverage: { base: 0.85, span: 0.3 }, expand: true };

/**
 * The indexed corpus, kept in memory and refreshed after `refreshMs` by ETag: objects
 * whose ETag is unchanged are not read again. A prebuilt index object, when present,
 * replaces the first full read (a cold Lambda loads one object instead of every document).
 */
export interface PolicyLibraryOptions {
  refreshMs: number;
  logger: Logger;
  clock?: () => number;
  /**
   * Expansions for a corpus's terms from a lexical database (WordNet), where one is at hand:
   * the index build and local runs. A server that loads the prebuilt index uses the table in it.
   */
  bridge?: (corpusTerms: ReadonlySet<string>) => Expansions;
  ranking?: RankingSettings;
  /**
   * An invalid glossary, document or section keyword stops the build (`npm run policies:index`)
   * with its file and line. A server instead logs it and searches without the glossary, the
   * document or the keyword entry.
   */
  strict?: boolean;
}

export function createPolicyLibrary(store: BlobStore, options: PolicyLibraryOptions) {
  const clock = options.clock ?? Date.now;
  const documents = new Map<string, PolicyDocument>();
  // Each document's terms, for the coverage boost: read from the index that holds every
  // document (not analysed again from the text, which would weigh on a cold start).
  const vocabularies = new Map<string, ReadonlySet<string>>();
  const vocabularyOf = (documentId: string) => {
    let vocabulary = vocabularies.get(documentId);
    if (!vocabulary) {
      vocabulary = indexes.restricted.documentTerms(documentId);
      vocabularies.set(documentId, vocabulary);
    }
    return vocabulary;
  };
  const etags = new Map<string, { etag: string; id: string }>();
  // One index per clearance level, each holding only the documents at or below it: ranking
  // statistics (term frequencies, lengths) must not carry traces of documents a caller cannot see.
  let indexes = emptyIndexes();
  const failed = new Map<string, string>();
  const stats: LibraryStats = { objectsRead: 0, loadedFromPrebuiltIndex: false };
  let lastRefresh = Number.NEGATIVE_INFINITY;
  // Query expansions for the corpus's vocabulary: rebuilt when the documents change (or read from the prebuilt index).
  let expansions: ExpansionLookup = new Map();
  let builtExpansions: Expansions = new Map();
  let vocabularyChanged = true;
  let refreshing: Promise<void> | undefined;
  let started = false;
  const parseOptions = options.strict
    ? {}
    : { onKeywordProblem: (problem: string) => options.logger.error('policy keywords entry left out', { problem }) };

  const remove = (key: string) => {
    const known = etags.get(key);
    if (!known) return;
    for (const level of INDEX_LEVELS) indexes[level].discardDocument(known.id);
    documents.delete(known.id);
    vocabularies.delete(known.id);
    vocabularyChanged = true;
    etags.delete(key);
  };

  const upsert = (key: string, etag: string, document: PolicyDocument) => {
    const owner = [...etags].find(([otherKey, known]) => known.id === document.id && otherKey !== key);
    remove(key);
    if (owner) {
      if (options.strict) throw new Error(`${key}: policy id "${document.id}" is already used by ${owner[0]}`);
      options.logger.error('policy id used twice; keeping the first', { id: document.id, key, first: owner[0] });
      failed.set(key, etag);
      return;
    }
    documents.set(document.id, document);
    vocabularyChanged = true;
    etags.set(key, { etag, id: document.id });
    for (const level of levelsHolding(document)) for (const record of sectionRecords(document)) indexes[level].add(record);
  };

  const loadPrebuilt = async () => {
    const text = await store.readOptional(INDEX_KEY);
    if (!text) return;
    stats.objectsRead += 1;
    try {
      const prebuilt = JSON.parse(text) as PrebuiltIndex;
      if (prebuilt.version !== PREBUILT_VERSION) return;
      for (const document of prebuilt.documents) {
        documents.set(document.id, reviveDates(document));
      }
      for (const [key, known] of Object.entries(prebuilt.etags)) etags.set(key, known);
      indexes = {
        internal: Bm25Index.fromJSON(prebuilt.indexes.internal),
        confidential: Bm25Index.fromJSON(prebuilt.indexes.confidential),
        restricted: Bm25Index.fromJSON(prebuilt.indexes.restricted),
      };
      expansions = decodeExpansions(prebuilt.expansions);
      vocabularyChanged = false;
      stats.loadedFromPrebuiltIndex = true;
    } catch (error) {
      options.logger.warn('prebuilt policy index unusable; building from the documents', { error: error as Error });
      documents.clear();
      vocabularies.clear();
      etags.clear();
      indexes = emptyIndexes();
    }
  };

  /** Rebuilds an index whose discarded sections outnumber half of it. */
  const compactIndexes = () => {
    for (const level of INDEX_LEVELS) {
      const index = indexes[level];
      if (index.deadSections === 0) continue;
      const live = [...documents.values()].filter((document) => levelsHolding(document).includes(level));
      const liveSections = live.reduce((sum, document) => sum + document.sections.length, 0);
      if (index.deadSections <= liveSections / 2) continue;
      const rebuilt = new Bm25Index();
      for (const document of live) for (const record of sectionRecords(document)) rebuilt.add(record);
      indexes[level] = rebuilt;
    }
  };

  /** `rereadExpansionSources`: read the glossary and WordNet again even when no document changed (an index build). */
  const refresh = async (rereadExpansionSources = false) => {
    // On the first refresh the listing and the prebuilt index are read together: a cold start waits for one round trip, not two.
    const listing = store.list();
    if (!started) {
      started = true;
      listing.catch(() => undefined); // awaited below, after the prebuilt index
      await loadPrebuilt();
    }
    const entries = await listing;
    const present = new Set(entries.map((entry) => entry.key));
    for (const key of [...etags.keys()]) if (!present.has(key)) remove(key);
    for (const entry of entries) {
      // Unchanged objects are not read again, including ones that failed to load.
      if (etags.get(entry.key)?.etag === entry.etag || failed.get(entry.key) === entry.etag) continue;
      failed.delete(entry.key);
      try {
        const source = await store.read(entry.key);
        stats.objectsRead += 1;
        upsert(entry.key, entry.etag, await parsePolicyDocument(source, entry.key, entry.lastModified, parseOptions));
      } catch (error) {
        stopIfStrict(store, options, error);
        remove(entry.key);
        failed.set(entry.key, entry.etag);
        options.logger.error('policy document skipped', { key: entry.key, error: error as Error });
      }
    }
    compactIndexes();
    if (vocabularyChanged || rereadExpansionSources) {
      expansions = builtExpansions = await buildExpansions(store, indexes.restricted.vocabulary(), options);
      vocabularyChanged = false;
    }
    lastRefresh = clock();
    stats.lastRefresh = new Date(lastRefresh);
  };

  const library: PolicyLibrary = {
    get size() {
      return documents.size;
    },
    search: (request) => search(indexes[indexLevel(request.clearance)], documents, vocabularyOf, { settings: options.ranking ?? RANKING, expansions }, request),
    catalogue: (clearance, filters) =>
      [...documents.values()].filter((document) => visible(document, clearance, filters)).sort((a, b) => a.title.localeCompare(b.title)),
    get: (id, clearance) => {
      const document = documents.get(id);
      return document && isCleared(document.classification, clearance) ? document : undefined;
    },
  };

  return {
    stats,
    /** The library, refreshed first when older than the refresh interval. A failed refresh keeps the previous state. */
    async current(): Promise<PolicyLibrary> {
      if (!refreshing && clock() - lastRefresh >= options.refreshMs) {
        refreshing = refresh()
          .catch((error: unknown) => {
            if (documents.size === 0) throw error;
            // Retry after the refresh interval rather than on every request while the store is down.
            lastRefresh = clock();
            options.logger.error('policy refresh failed; serving the last good corpus', { error: error as Error });
          })
          .finally(() => (refreshing = undefined));
      }
      if (refreshing) await refreshing;
      return library;
    },
    /** The prebuilt index object for `npm run policies:index`. */
    async buildPrebuiltIndex(): Promise<string> {
      // The glossary and WordNet are read at every build: an edited glossary has no document ETag to show it.
      await refresh(true);
      const prebuilt: PrebuiltIndex = {
        version: PREBUILT_VERSION,
        builtAt: new Date(clock()).toISOString(),
        documents: [...documents.values()],
        etags: Object.fromEntries(etags),
        indexes: { internal: indexes.internal.toJSON(), confidential: indexes.confidential.toJSON(), restricted: indexes.restricted.toJSON() },
        expansions: encodeExpansions(builtExpansions),
      };
      return JSON.stringify(prebuilt);
    },
  };
}

export type PolicyLibraryProvider = ReturnType<typeof createPolicyLibrary>;

interface PrebuiltIndex {
  version: number;
  builtAt: string;
  documents: PolicyDocument[];
  etags: Record<string, { etag: string; id: string }>;
  indexes: Record<IndexLevel, SerializedIndex>;
  /** The query expansions for this corpus (glossary and WordNet), so that a server needs neither at hand; `encodeExpansions`. */
  expansions: string;
}

/** A document or glossary the build cannot use stops a strict build, naming the store; otherwise the caller logs it and goes on. */
function stopIfStrict(store: BlobStore, options: PolicyLibraryOptions, error: unknown): void {
  if (options.strict) throw new Error(`${store.description}: ${(error as Error).message}`, { cause: error });
}

/** The glossary beside the policies and the lexical bridge, for the corpus's terms; a source that fails is logged and left out. */
async function buildExpansions(store: BlobStore, corpusTerms: ReadonlySet<string>, options: PolicyLibraryOptions): Promise<Expansions> {
  const sources: Expansions[] = [];
  try {
    const glossary = await store.readOptional(GLOSSARY_KEY);
    if (glossary) sources.push(glossaryExpansions(glossary, corpusTerms));
  } catch (error) {
    stopIfStrict(store, options, error);
    options.logger.error('policy glossary unusable; searching without it', { key: GLOSSARY_KEY, error: error as Error });
  }
  try {
    if (options.bridge) sources.push(options.bridge(corpusTerms));
  } catch (error) {
    options.logger.warn('lexical database unavailable; searching without synonyms', { error: error as Error });
  }
  return mergeExpansions(...sources);
}

type IndexLevel = 'internal' | 'confidential' | 'restricted';
const INDEX_LEVELS: readonly IndexLevel[] = ['internal', 'confidential', 'restricted'];

function emptyIndexes(): Record<IndexLevel, Bm25Index> {
  return { internal: new Bm25Index(), confidential: new Bm25Index(), restricted: new Bm25Index() };
}

/** The index a caller searches: the one for its clearance (public callers share the internal one). */
function indexLevel(clearance: Classification): IndexLevel {
  return clearance === 'public' ? 'internal' : clearance;
}

/** The indexes a document belongs to: those of every clearance that may read it. */
function levelsHolding(document: PolicyDocument): IndexLevel[] {
  return INDEX_LEVELS.filter((level) => isCleared(document.classification, level));
}

function reviveDates(document: PolicyDocument): PolicyDocument {
  return { ...document, effective: new Date(document.effective), lastModified: new Date(document.lastModified) };
}

function visible(document: PolicyDocument, clearance: Classification, filters: PolicyFilters = {}): boolean {
  return (
    isCleared(document.classification, clearance) &&
    (filters.category === undefined || document.category === filters.category) &&
    (filters.owner === undefined || document.owner === filters.owner) &&
    (filters.classification === undefined || document.classification === filters.classification) &&
    (filters.tags ?? []).every((tag) => document.tags.includes(tag))
  );
}

function search(
  index: Bm25Index,
  documents: Map<string, PolicyDocument>,
  vocabularyOf: (documentId: string) => ReadonlySet<string>,
  ranking: { settings: RankingSettings; expansions: ExpansionLookup },
  request: SearchRequest,
) {
  const { settings } = ranking;
  const phrases = queryPhrases(request.query);
  const queryTerms = [...new Set(analyze(request.query))];
  const { hits: candidates, total } = index.search(request.query, Math.max(RERANK_WINDOW, request.offset + request.limit), (documentId) => {
    const document = documents.get(documentId);
    return document !== undefined && visible(document, request.clearance, request.filters);
  }, settings.expand ? ranking.expansions : undefined);
  const candidate = (hit: IndexHit, rerank: boolean) => {
    const document = documents.get(hit.documentId)!;
    const section = document.sections[hit.position]!;
    const boost = rerank
      ? phraseBoost(phrases, document, section) *
        coverageBoost(queryTerms, vocabularyOf(document.id), settings.coverage) *
        (INTRODUCTORY_HEADING.test(section.heading) ? settings.introductoryWeight : 1)
      : 1;
    return { hit, document, section, score: hit.score * boost };
  };
  const reranked = candidates.slice(0, RERANK_WINDOW).map((hit) => candidate(hit, true)).sort((a, b) => b.score - a.score);
  const ranked = [...reranked, ...candidates.slice(RERANK_WINDOW).map((hit) => candidate(hit, false))];
  const hits = ranked.slice(request.offset, request.offset + request.limit).map(({ hit, document, section, score }) => ({
    document,
    heading: section.heading,
    snippet: snippet(section.text, hit.terms),
    score: Math.round(score * 1000) / 1000,
  }));
  return { hits, total };
}

/** A section's phrase-normalised heading (with its document's title) and body, computed once per section. */
const phraseTexts = new WeakMap<PolicySection, { heading: string; body: string }>();
function phraseTextsOf(document: PolicyDocument, section: PolicySection): { heading: string; body: string } {
  let texts = phraseTexts.get(section);
  if (!texts) {
    texts = { heading: normalizeForPhrase(`${document.title} ${section.heading}`), body: normalizeForPhrase(section.text) };
    phraseTexts.set(section, texts);
  }
  return texts;
}

/** Sections that contain the query's phrases verbatim rank above those that only share its words. */
function phraseBoost(phrases: string[], document: PolicyDocument, section: PolicySection): number {
  let boost = 1;
  if (phrases.length === 0) return boost;
  const texts = phraseTextsOf(document, section);
  for (const phrase of phrases) {
    if (texts.heading.includes(phrase)) boost *= PHRASE_IN_HEADING_BOOST;
    else if (texts.body.includes(phrase)) boost *= PHRASE_IN_TEXT_BOOST;
  }
  return boost;
}

/**
 * Sections are ranked on their own merit; a document that covers more of the query's terms
 * anywhere (title, tags, other sections) breaks near-ties in its sections' favour, without
 * lifting every section of it above the specific one that answers.
 */
function coverageBoost(queryTerms: readonly string[], vocabulary: ReadonlySet<string>, { base, span }: RankingSettings['coverage']): number {
  if (queryTerms.length === 0) return 1;
  const covered = queryTerms.filter((term) => vocabulary.has(term)).length;
  return base + (span * covered) / queryTerms.length;
}
