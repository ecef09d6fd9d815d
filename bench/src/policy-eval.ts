/**
 * How well policy search answers questions, on the shipped corpus: the held-out set
 * (apps/policy-reader/eval/held-out-questions.json, written from the corpus alone by someone
 * who had not seen the ranking code, split into a tuning half and a test half nobody tunes on)
 * and the e2e suite's judged set. For each: top-1 and top-3 section, MRR@10 over sections,
 * top-1 document, overall and per clearance level the question needs. Each question is asked
 * at the lowest clearance that can read its answer; a hit on a subsection ("4.1 …") counts for
 * the section that holds it ("4. …").
 *
 *   npm run eval:policies [-- --show-misses tune]
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, type Classification } from '@gmcp/mcp-kit';
import { createFolderBlobStore, createPolicyLibrary, DEFAULT_CORPUS_DIR, RANKING, wordNetExpansions, type PolicyLibrary, type RankingSettings } from '@gmcp/policy-reader';
import { runBenchmark } from './support/bench-platform';

interface Question {
  query: string;
  document: string;
  /** Undefined for the judged set, which names documents only. */
  section?: string;
  classification: Classification;
  split?: 'tune' | 'test';
  also?: { document: string; section: string }[];
}

interface Scores {
  questions: number;
  top1Section: number;
  top3Section: number;
  mrr10: number;
  top1Document: number;
}

/**
 * The ranking before vocabulary bridging and section priors (2026-12-03), for the comparison. Amount
 * normalisation and transpositions as one edit are part of the index and apply to both.
 */
const BEFORE: RankingSettings = { introductoryWeight: 1, coverage: { base: 0.5, span: 1 }, expand: false };

const HELD_OUT = resolve(__dirname, '../../apps/policy-reader/eval/held-out-questions.json');
const JUDGED = resolve(__dirname, '../../e2e/tests/fixtures/judged-policy-queries.json');

async function heldOut(): Promise<Question[]> {
  return (JSON.parse(await readFile(HELD_OUT, 'utf8')) as { questions: Question[] }).questions;
}

/** The judged set names a document (`top`, or `top3` where another is also fair): scored on documents. */
async function judged(library: PolicyLibrary): Promise<Question[]> {
  const { queries } = JSON.parse(await readFile(JUDGED, 'utf8')) as { queries: { query: string; top?: string; top3?: string }[] };
  return queries.map(({ query, top, top3 }) => ({ query, document: (top ?? top3)!, classification: library.get((top ?? top3)!, 'restricted')!.classification }));
}

function rankOf(library: PolicyLibrary, question: Question): { sectionRank: number; firstDocument?: string } {
  const { hits } = library.search({ query: question.query, clearance: question.classification, offset: 0, limit: 10 });
  const answers = [{ document: question.document, section: question.section }, ...(question.also ?? [])];
  const index = hits.findIndex((hit) => answers.some((answer) => hit.document.id === answer.document && (answer.section === undefined || withinSection(hit.heading, answer.section))));
  return { sectionRank: index === -1 ? Infinity : index + 1, firstDocument: hits[0]?.document.id };
}

/** A `###` subsection ("4.1 Evidence collection") is part of the `##` section the question names ("4. Assessment Process"). */
function withinSection(heading: string, section: string): boolean {
  if (heading === section) return true;
  const number = /^(\d+)\.\s/.exec(section)?.[1];
  return number !== undefined && heading.startsWith(`${number}.`) && /^\d+\.\d+/.test(heading);
}

function score(library: PolicyLibrary, questions: readonly Question[]): Scores {
  const ranks = questions.map((question) => ({ question, ...rankOf(library, question) }));
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

function printRow(label: string, scores: Scores, sections = true): void {
  const section = sections ? `${percent(scores.top1Section)}   ${percent(scores.top3Section)}    ${scores.mrr10.toFixed(3)}` : '     —        —         —  ';
  console.log(`  ${label.padEnd(34)} ${String(scores.questions).padStart(3)}   ${section}    ${percent(scores.top1Document)}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'show-misses': { type: 'string' } } });
  const libraryWith = (ranking: RankingSettings) =>
    createPolicyLibrary(createFolderBlobStore(DEFAULT_CORPUS_DIR), { refreshMs: 60_000, logger: createLogger('eval', 'SILENT'), bridge: wordNetExpansions, ranking }).current();
  const questions = await heldOut();
  const halves = { tune: questions.filter((question) => question.split === 'tune'), test: questions.filter((question) => question.split === 'test') };
  let library = await libraryWith(RANKING);

  for (const [name, ranking] of [
    ['before (no expansions; introductions not lowered; document coverage lifting all its sections)', BEFORE],
    ['now', RANKING],
  ] as const) {
    library = await libraryWith(ranking);
    console.log(`\nPolicy search on the shipped corpus (${library.size} policies), ranking ${name}\n`);
    console.log('  set                                  n   top-1 sec  top-3 sec  MRR@10   top-1 doc');
    printRow('held-out, test half (never tuned on)', score(library, halves.test));
    printRow('held-out, tuning half', score(library, halves.tune));
    for (const level of ['public', 'internal', 'confidential', 'restricted'] as const) {
      const atLevel = questions.filter((question) => question.classification === level);
      if (atLevel.length) printRow(`held-out, both halves, ${level}`, score(library, atLevel));
    }
    printRow('judged set (documents only)', score(library, await judged(library)), false);
  }

  const misses = values['show-misses'];
  if (misses === 'tune' || misses === 'test') {
    console.log(`\nMisses in the ${misses} half (rank of the judged section; first hit):`);
    for (const question of halves[misses]) {
      const { sectionRank } = rankOf(library, question);
      if (sectionRank === 1) continue;
      const first = library.search({ query: question.query, clearance: question.classification, offset: 0, limit: 1 }).hits[0];
      console.log(`  ${sectionRank === Infinity ? '>10' : String(sectionRank).padStart(3)}  ${question.query}\n       want ${question.document} / ${question.section}; got ${first ? `${first.document.id} / ${first.heading}` : 'nothing'}`);
    }
  }
}

runBenchmark(main);
