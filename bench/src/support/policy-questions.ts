import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Classification } from '@gmcp/mcp-kit';
import type { PolicyLibrary } from '@gmcp/policy-reader';

/**
 * The questions policy search is judged on, and how a ranking is scored against them: top-1 and
 * top-3 section, MRR@10 over sections, top-1 document.
 */
export interface Question {
  query: string;
  document: string;
  /** Undefined for the judged set, which names documents only. */
  section?: string;
  classification: Classification;
  split?: 'tune' | 'test';
  also?: { document: string; section: string }[];
}

export interface Scores {
  questions: number;
  top1Section: number;
  top3Section: number;
  mrr10: number;
  top1Document: number;
}

/** A ranking's answer to one question, best first. */
export type RankedSections = readonly { documentId: string; heading: string }[];
export type Ranker = (question: Question) => RankedSections;

const HELD_OUT = resolve(__dirname, '../../../apps/policy-reader/eval/held-out-questions.json');
const JUDGED = resolve(__dirname, '../../../e2e/tests/fixtures/judged-policy-queries.json');

/** The held-out set: written from the corpus alone, split into a tuning half and a test half nobody tunes on. */
export async function heldOutHalves(): Promise<{ all: Question[]; tune: Question[]; test: Question[] }> {
  const all = (JSON.parse(await readFile(HELD_OUT, 'utf8')) as { questions: Question[] }).questions;
  return { all, tune: all.filter((question) => question.split === 'tune'), test: all.filter((question) => question.split === 'test') };
}

/** The judged set names a document (`top`, or `top3` where another is also fair): scored on documents. */
export async function judgedQuestions(library: PolicyLibrary): Promise<Question[]> {
  const { queries } = JSON.parse(await readFile(JUDGED, 'utf8')) as { queries: { query: string; top?: string; top3?: string }[] };
  return queries.map(({ query, top, top3 }) => ({ query, document: (top ?? top3)!, classification: library.get((top ?? top3)!, 'restricted')!.classification }));
}

/** BM25 as the policy reader serves it, asked at the question's clearance. */
export function libraryRanker(library: PolicyLibrary, limit = 10): Ranker {
  return (question) =>
    library.search({ query: question.query, clearance: question.classification, offset: 0, limit }).hits.map((hit) => ({ documentId: hit.document.id, heading: hit.heading }));
}

/** Rank of the first hit that answers the question (Infinity when none of the first ten does). */
export function sectionRankOf(ranked: RankedSections, question: Question): number {
  const answers = [{ document: question.document, section: question.section }, ...(question.also ?? [])];
  const index = ranked
    .slice(0, 10)
    .findIndex((hit) => answers.some((answer) => hit.documentId === answer.document && (answer.section === undefined || withinSection(hit.heading, answer.section))));
  return index === -1 ? Infinity : index + 1;
}

/** A `###` subsection ("4.1 Evidence collection") is part of the `##` section the question names ("4. Assessment Process"). */
function withinSection(heading: string, section: string): boolean {
  if (heading === section) return true;
  const number = /^(\d+)\.\s/.exec(section)?.[1];
  return number !== undefined && heading.startsWith(`${number}.`) && /^\d+\.\d+/.test(heading);
}

export function scoreRanking(rank: Ranker, questions: readonly Question[]): Scores {
  const ranks = questions.map((question) => {
    const ranked = rank(question);
    return { question, sectionRank: sectionRankOf(ranked, question), firstDocument: ranked[0]?.documentId };
  });
  const share = (predicate: (rank: (typeof ranks)[number]) => boolean) => ranks.filter(predicate).length / Math.max(1, ranks.length);
  return {
    questions: questions.length,
    top1Section: share((rank) => rank.sectionRank === 1),
    top3Section: share((rank) => rank.sectionRank <= 3),
    mrr10: ranks.reduce((sum, rank) => sum + (rank.sectionRank <= 10 ? 1 / rank.sectionRank : 0), 0) / Math.max(1, ranks.length),
    top1Document: share((rank) => rank.firstDocument === rank.question.document || (rank.question.also ?? []).some((also) => also.document === rank.firstDocument)),
  };
}

const percent = (value: number) => `${(value * 100).toFixed(1).padStart(5)}%`;

export const SCORES_HEADER = '  set                                  n   top-1 sec  top-3 sec  MRR@10   top-1 doc';

export function printScores(label: string, scores: Scores, sections = true): void {
  const section = sections ? `${percent(scores.top1Section)}   ${percent(scores.top3Section)}    ${scores.mrr10.toFixed(3)}` : '     —        —         —  ';
  console.log(`  ${label.padEnd(34)} ${String(scores.questions).padStart(3)}   ${section}    ${percent(scores.top1Document)}`);
}
