import type { SectionRecord } from './search-index';
import { analyze, MAX_PHRASE_TERMS, processTerm, wordsOf } from './text-analysis';
import type { ExpansionLookup } from './vocabulary-bridge';

/** Field weights (BM25F): words in the title and heading say more about a section than its body. */
const FIELD_WEIGHTS = { title: 3, heading: 2, tags: 1.5, text: 1 } as const;
/** An owner's keyword for a section counts as a word of its heading. */
const KEYWORD_WEIGHT = FIELD_WEIGHTS.heading;
const K1 = 1.2;
const B = 0.75;
const PREFIX_WEIGHT = 0.5;
const FUZZY_WEIGHT = 0.45;
const MAX_EXPANSIONS = 40;
/** Expansions reach terms held by at most this share of the sections (or this many, in a small corpus). */
const EXPANSION_MAX_SHARE = 0.01;
/** At most this many other words per word of the query (the table lists the strongest first). */
const MAX_TERM_EXPANSIONS = 3;
const EXPANSION_MIN_SECTIONS = 50;

interface Section {
  documentId: string;
  position: number;
  length: number;
  alive: boolean;
  /** Its distinct terms, to keep document frequencies right when it is discarded. */
  terms: string[];
}

export interface IndexHit {
  documentId: string;
  position: number;
  score: number;
  /** The indexed terms that matched (for snippets). */
  terms: string[];
}

export interface SerializedIndex {
  sections: [string, number, number][];
  postings: [string, number[], number[]][];
}

/**
 * A compact BM25F index over policy sections: postings in plain arrays, scores accumulated
 * in a typed array, and only the best `k` kept — so a query whose words occur in most
 * sections still costs one pass over their postings, not a sorted list of every match.
 * Prefix matching on the last query word and fuzzy matching (one edit, words of 6+ letters).
 */
export class Bm25Index {
  private sections: Section[] = [];
  private byDocument = new Map<string, number[]>();
  private postings = new Map<string, { ids: number[]; tfs: number[] }>();
  /** Live sections per term: discarded sections stay in the postings until compaction, but not here. */
  private frequencies = new Map<string, number>();
  private sortedTerms: string[] | undefined;
  private totalLength = 0;
  private alive = 0;

  add(record: SectionRecord): void {
    const id = this.sections.length;
    const counts = new Map<string, number>();
    let length = 0;
    const count = (term: string, weight: number) => {
      counts.set(term, (counts.get(term) ?? 0) + weight);
      length += weight;
    };
    for (const [field, weight] of Object.entries(FIELD_WEIGHTS) as [keyof typeof FIELD_WEIGHTS, number][]) {
      for (const term of analyze(record[field])) count(term, weight);
    }
    // A keyword of several words is also a term of its own ("lost receipt"), matched by a query with
    // those words in a row; each of its words alone counts as a word of the body ("lost" is not "lost receipt").
    for (const keyword of record.keywords ?? []) {
      const words = analyze(keyword);
      count(words.join(' '), KEYWORD_WEIGHT);
      if (words.length > 1) for (const word of words) count(word, FIELD_WEIGHTS.text);
    }
    for (const [term, tf] of counts) {
      let list = this.postings.get(term);
      if (!list) {
        list = { ids: [], tfs: [] };
        this.postings.set(term, list);
        this.sortedTerms = undefined;
      }
      list.ids.push(id);
      list.tfs.push(tf);
      this.frequencies.set(term, (this.frequencies.get(term) ?? 0) + 1);
    }
    this.sections.push({ documentId: record.documentId, position: record.position, length, alive: true, terms: [...counts.keys()] });
    this.byDocument.set(record.documentId, [...(this.byDocument.get(record.documentId) ?? []), id]);
    this.totalLength += length;
    this.alive += 1;
  }

  discardDocument(documentId: string): void {
    for (const id of this.byDocument.get(documentId) ?? []) {
      const section = this.sections[id]!;
      if (!section.alive) continue;
      section.alive = false;
      this.totalLength -= section.length;
      this.alive -= 1;
      for (const term of section.terms) this.frequencies.set(term, (this.frequencies.get(term) ?? 1) - 1);
    }
    this.byDocument.delete(documentId);
  }

  /**
   * Whether another word for the query's is worth scoring: one that most sections hold says
   * little and costs a pass over a long postings list (the user's own words are always scored).
   */
  private selective(term: string): boolean {
    return (this.frequencies.get(term) ?? 0) <= Math.max(EXPANSION_MIN_SECTIONS, this.alive * EXPANSION_MAX_SHARE);
  }

  /** Every term the index holds. */
  vocabulary(): ReadonlySet<string> {
    return new Set(this.postings.keys());
  }

  /** The distinct terms of a document's live sections: its title, tags, headings and text. */
  documentTerms(documentId: string): ReadonlySet<string> {
    const terms = new Set<string>();
    for (const id of this.byDocument.get(documentId) ?? []) for (const term of this.sections[id]!.terms) terms.add(term);
    return terms;
  }

  /** The best `k` live sections for the query among those `accept` lets through, and how many matched. */
  search(query: string, k: number, accept: (documentId: string) => boolean, expansions?: ExpansionLookup): { hits: IndexHit[]; total: number } {
    // Each indexed term is scored once, at the best weight it was reached by (exact > prefix > fuzzy).
    const words = wordsOf(query);
    const weights = new Map<string, number>();
    const reach = (term: string, weight: number) => {
      if ((this.frequencies.get(term) ?? 0) > 0 && weight > (weights.get(term) ?? 0)) weights.set(term, weight);
    };
    // Stop words are skipped, as they are in the keywords and glossary phrases being matched.
    const terms = words.flatMap((word, index) => {
      const term = processTerm(word);
      return term === null ? [] : [{ term, last: index === words.length - 1 }];
    });
    terms.forEach(({ term, last }, index) => {
      // The term, then it with the next ones: a section keyword or a glossary phrase.
      let phrase = term;
      for (let end = index; end < Math.min(terms.length, index + MAX_PHRASE_TERMS); end += 1) {
        if (end > index) phrase = `${phrase} ${terms[end]!.term}`;
        reach(phrase, 1);
        // Other words for the same thing.
        let taken = 0;
        for (const [target, weight] of expansions?.get(phrase) ?? []) {
          if (taken >= MAX_TERM_EXPANSIONS || !this.selective(target)) continue;
          reach(target, weight);
          taken += 1;
        }
      }
      if (last && term.length >= 3) for (const expansion of this.prefixExpansions(term)) reach(expansion, PREFIX_WEIGHT);
      if (term.length >= 6) for (const near of this.fuzzyExpansions(term)) reach(near, FUZZY_WEIGHT);
    });

    // Scores accumulate in a typed array; the sections reached are listed once (a score is never 0 once reached).
    const scores = new Float64Array(this.sections.length);
    const reached: number[] = [];
    const averageLength = this.alive > 0 ? this.totalLength / this.alive : 1;
    for (const [term, weight] of weights) {
      const list = this.postings.get(term)!;
      const frequency = this.frequencies.get(term)!;
      const idf = Math.log(1 + (this.alive - frequency + 0.5) / (frequency + 0.5));
      for (let i = 0; i < list.ids.length; i += 1) {
        const id = list.ids[i]!;
        const section = this.sections[id]!;
        if (!section.alive) continue;
        const tf = list.tfs[i]!;
        if (scores[id] === 0) reached.push(id);
        scores[id]! += weight * idf * ((tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * section.length) / averageLength)));
      }
    }

    const accepted = new Map<string, boolean>();
    const top = new MinHeap(k);
    let total = 0;
    for (const id of reached) {
      const { documentId } = this.sections[id]!;
      let ok = accepted.get(documentId);
      if (ok === undefined) accepted.set(documentId, (ok = accept(documentId)));
      if (!ok) continue;
      total += 1;
      top.offer(id, scores[id]!);
    }
    // Postings hold ids in ascending order: which terms a kept section matched is a binary search each.
    const reachedPostings = [...weights.keys()].map((term) => [term, this.postings.get(term)!.ids] as const);
    const hits = top.sortedDescending().map(({ id, score }) => {
      const section = this.sections[id]!;
      const terms = reachedPostings.filter(([, ids]) => holds(ids, id)).map(([term]) => term);
      return { documentId: section.documentId, position: section.position, score, terms };
    });
    return { hits, total };
  }

  toJSON(): SerializedIndex {
    const live = this.sections.map((section, id) => ({ section, id })).filter(({ section }) => section.alive);
    const renumber = new Map(live.map(({ id }, index) => [id, index]));
    const postings: SerializedIndex['postings'] = [];
    for (const [term, list] of this.postings) {
      const ids: number[] = [];
      const tfs: number[] = [];
      list.ids.forEach((id, i) => {
        const to = renumber.get(id);
        if (to === undefined) return;
        ids.push(to);
        tfs.push(list.tfs[i]!);
      });
      if (ids.length > 0) postings.push([term, ids, tfs]);
    }
    return { sections: live.map(({ section }) => [section.documentId, section.position, section.length]), postings };
  }

  static fromJSON(data: SerializedIndex): Bm25Index {
    const index = new Bm25Index();
    data.sections.forEach(([documentId, position, length], id) => {
      index.sections.push({ documentId, position, length, alive: true, terms: [] });
      index.byDocument.set(documentId, [...(index.byDocument.get(documentId) ?? []), id]);
      index.totalLength += length;
    });
    index.alive = data.sections.length;
    for (const [term, ids, tfs] of data.postings) {
      index.postings.set(term, { ids, tfs });
      index.frequencies.set(term, ids.length);
      for (const id of ids) index.sections[id]!.terms.push(term);
    }
    return index;
  }

  /** Dead sections waiting to be dropped; the library rebuilds when they pile up. */
  get deadSections(): number {
    return this.sections.length - this.alive;
  }

  private terms(): string[] {
    this.sortedTerms ??= [...this.postings.keys()].sort();
    return this.sortedTerms;
  }

  private prefixExpansions(prefix: string): string[] {
    const terms = this.terms();
    const found: string[] = [];
    for (let i = lowerBound(terms, prefix); i < terms.length && found.length < MAX_EXPANSIONS; i += 1) {
      const term = terms[i]!;
      if (!term.startsWith(prefix)) break;
      if (term !== prefix && !term.includes(' ') && (this.frequencies.get(term) ?? 0) > 0) found.push(term);
    }
    return found;
  }

  /** Terms one edit away that share the first letter (a typo rarely hits the first one). */
  private fuzzyExpansions(term: string): string[] {
    const terms = this.terms();
    const found: string[] = [];
    for (let i = lowerBound(terms, term[0]!); i < terms.length && found.length < MAX_EXPANSIONS; i += 1) {
      const candidate = terms[i]!;
      if (candidate[0] !== term[0]) break;
      const live = (this.frequencies.get(candidate) ?? 0) > 0;
      if (live && candidate !== term && !candidate.includes(' ') && Math.abs(candidate.length - term.length) <= 1 && withinOneEdit(term, candidate)) found.push(candidate);
    }
    return found;
  }
}

/** Whether an ascending list holds the id. */
function holds(ascending: readonly number[], id: number): boolean {
  return ascending[lowerBound(ascending, id)] === id;
}

/** The first position of a sorted list whose value is not below `value`. */
function lowerBound<T extends string | number>(sorted: readonly T[], value: T): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** One insertion, deletion, substitution or transposition of neighbours ("reciept" → "receipt") apart. */
function withinOneEdit(a: string, b: string): boolean {
  if (a.length > b.length) [a, b] = [b, a];
  let i = 0;
  while (i < a.length && a[i] === b[i]) i += 1;
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1) || (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2));
  return a.slice(i) === b.slice(i + 1);
}

type Entry = { id: number; score: number };

/** Higher score first; equal scores by section order, so that the top k is the same prefix for every k. */
const before = (a: Entry, b: Entry) => a.score > b.score || (a.score === b.score && a.id < b.id);

/** Keeps the `capacity` best entries (by `before`). */
class MinHeap {
  private readonly items: Entry[] = [];
  constructor(private readonly capacity: number) {}

  offer(id: number, score: number): void {
    if (this.capacity <= 0) return;
    const entry = { id, score };
    if (this.items.length < this.capacity) {
      this.items.push(entry);
      this.up(this.items.length - 1);
    } else if (before(entry, this.items[0]!)) {
      this.items[0] = entry;
      this.down(0);
    }
  }

  sortedDescending(): Entry[] {
    return [...this.items].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  }

  private up(index: number): void {
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(this.items[parent]!, this.items[index]!)) return;
      [this.items[parent], this.items[index]] = [this.items[index]!, this.items[parent]!];
      index = parent;
    }
  }

  private down(index: number): void {
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < this.items.length && before(this.items[smallest]!, this.items[left]!)) smallest = left;
      if (right < this.items.length && before(this.items[smallest]!, this.items[right]!)) smallest = right;
      if (smallest === index) return;
      [this.items[smallest], this.items[index]] = [this.items[index]!, this.items[smallest]!];
      index = smallest;
    }
  }
}
