import { processTerm } from './text-analysis';

const RADIUS = 120;
const WORDS = /[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu;

/**
 * A window of the section around its first matching word, with every word whose
 * stem matched marked **like this**.
 */
export function snippet(text: string, matchedTerms: readonly string[]): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const verdicts = new Map<string, boolean>();
  const matches = (word: string) => {
    let verdict = verdicts.get(word);
    if (verdict === undefined) {
      const term = processTerm(word);
      // A term matches itself or one it extends (a prefix match of the query's last word).
      verdict = term !== null && matchedTerms.some((matched) => term.startsWith(matched));
      verdicts.set(word, verdict);
    }
    return verdict;
  };
  const start = Math.max(0, (firstMatch(flat, matches) ?? 0) - RADIUS);
  const end = Math.min(flat.length, start + RADIUS * 2);
  const window = flat.slice(start, end).replace(WORDS, (word) => (matches(word) ? `**${word}**` : word));
  return `${start > 0 ? '…' : ''}${window}${end < flat.length ? '…' : ''}`;
}

/** Where the first matching word starts, without splitting the whole section into words first. */
function firstMatch(text: string, matches: (word: string) => boolean): number | undefined {
  for (const word of text.matchAll(WORDS)) if (matches(word[0])) return word.index;
  return undefined;
}
