// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the stemmer ships no types; this makes them visible to every importer
/// <reference path="./wink-porter2-stemmer.d.ts" />
import stem from 'wink-porter2-stemmer';

// Words that carry no topic; dropping them keeps "can I use X with Y" about X and Y.
const STOP_WORDS = new Set(
  ('a an and are as at be been by can could do does for from had has have how i if in into is it its may me my no not of on or our ' +
    'should so than that the their them then there these they this to us was we were what when where which who whom why will with ' +
    'would you your').split(' '),
);

/**
 * One normalisation for indexing and for queries: lower case, stop words dropped,
 * English (Porter2) stemming, so "travelling", "travels" and "travel" meet.
 */
export function processTerm(term: string): string | null {
  const lower = term.toLowerCase();
  const known = stems.get(lower);
  if (known !== undefined) return known;
  const processed = processTermOnce(lower);
  // A corpus has a few tens of thousands of distinct words; stemming each once makes indexing far cheaper.
  if (stems.size < MAX_MEMOIZED) stems.set(lower, processed);
  return processed;
}

/**
 * `processTerm` without remembering the word: for a lexical database's hundred thousand words,
 * which would otherwise fill the memo that the corpus's and the queries' words need.
 */
export function processTermOnce(term: string): string | null {
  const lower = term.toLowerCase();
  return (lower.length < 2 && !/\d/.test(lower)) || STOP_WORDS.has(lower) ? null : stem(lower);
}

const MAX_MEMOIZED = 200_000;
const stems = new Map<string, string | null>();

/**
 * Amounts written either way meet: "30,000" and "$30k" are both the term 30000, "1.5m" 1500000.
 * Digit groups are joined before words are split; a k/m suffix on a number is multiplied out.
 */
export function normalizeNumbers(text: string): string {
  return text
    .replace(/(\d{1,3})((?:,\d{3})+)(?!\d)/g, (_match, head: string, groups: string) => head + groups.replace(/,/g, ''))
    .replace(/\b(\d+(?:\.\d+)?)\s?([km])\b/gi, (_match, amount: string, unit: string) => String(Math.round(Number(amount) * (unit.toLowerCase() === 'k' ? 1_000 : 1_000_000))));
}

/** The words of a text as the index splits them. */
export function wordsOf(text: string): string[] {
  return normalizeNumbers(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/**
 * The longest phrase a query is matched against whole (a section keyword, a glossary side), in
 * terms: each query term is tried alone and with up to this many terms in all, stop words aside.
 * Longer phrases are refused where they are written.
 */
export const MAX_PHRASE_TERMS = 4;

/** The first keyword or glossary phrase of a list that cannot be matched, with why. */
export function firstPhraseProblem(phrases: readonly string[]): { index: number; problem: string } | undefined {
  for (const [index, phrase] of phrases.entries()) {
    const terms = analyze(phrase).length;
    if (terms === 0) return { index, problem: `"${phrase}" has no searchable words` };
    if (terms > MAX_PHRASE_TERMS) return { index, problem: `"${phrase}" has ${terms} searchable words; a phrase is matched whole on at most ${MAX_PHRASE_TERMS}` };
  }
  return undefined;
}

/** The processed terms of a text, in order, repeats kept. */
export function analyze(text: string): string[] {
  const terms: string[] = [];
  for (const word of wordsOf(text)) {
    const term = word ? processTerm(word) : null;
    if (term !== null) terms.push(term);
  }
  return terms;
}

/** Normalised text for phrase matching: lower case, single spaces, no punctuation. */
export function normalizeForPhrase(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** Quoted phrases in a query ("break glass"), or the whole query when it has several words. */
export function queryPhrases(query: string): string[] {
  const quoted = [...query.matchAll(/"([^"]+)"/g)].map((match) => normalizeForPhrase(match[1] ?? ''));
  const whole = normalizeForPhrase(query);
  return [...new Set([...quoted, ...(whole.includes(' ') ? [whole] : [])])].filter(Boolean);
}
