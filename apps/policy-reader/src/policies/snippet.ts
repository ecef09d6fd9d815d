import { processTerm } from './text-analysis';

const RADIUS = 120;

/**
 * A window of the section around its first matching word, with every word whose
 * stem matched marked **like this**.
 */
export function snippet(text: string, matchedTerms: readonly string[]): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const terms = new Set(matchedTerms);
  const matches = (word: string) => {
    const term = processTerm(word);
    return term !== null && (terms.has(term) || [...terms].some((matched) => term.startsWith(matched)));
  };
  const words = [...flat.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu)];
  const first = words.find((word) => matches(word[0]))?.index ?? 0;
  const start = Math.max(0, first - RADIUS);
  const end = Math.min(flat.length, start + RADIUS * 2);
  const window = flat.slice(start, end).replace(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu, (word) => (matches(word) ? `**${word}**` : word));
  return `${start > 0 ? '…' : ''}${window}${end < flat.length ? '…' : ''}`;
}
