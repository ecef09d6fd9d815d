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
import { parseArgs } from 'node:util';
import { createLogger } from '@gmcp/mcp-kit';
import { createFolderBlobStore, createPolicyLibrary, DEFAULT_CORPUS_DIR, RANKING, wordNetExpansions, type RankingSettings } from '@gmcp/policy-reader';
import { runBenchmark } from './support/bench-platform';
import { heldOutHalves, judgedQuestions, libraryRanker, printScores, scoreRanking, SCORES_HEADER, sectionRankOf } from './support/policy-questions';

/**
 * The ranking before vocabulary bridging and section priors (2026-12-03), for the comparison. Amount
 * normalisation and transpositions as one edit are part of the index and apply to both.
 */
const BEFORE: RankingSettings = { introductoryWeight: 1, coverage: { base: 0.5, span: 1 }, expand: false };

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'show-misses': { type: 'string' } } });
  const libraryWith = (ranking: RankingSettings, sectionKeywords: boolean) => {
    const store = createFolderBlobStore(DEFAULT_CORPUS_DIR);
    const read = sectionKeywords ? store.read : async (key: string) => withoutSectionKeywords(await store.read(key));
    return createPolicyLibrary({ ...store, read }, { refreshMs: 60_000, logger: createLogger('eval', 'SILENT'), bridge: wordNetExpansions, ranking }).current();
  };
  const halves = await heldOutHalves();
  let library = await libraryWith(RANKING, true);

  for (const [name, ranking, sectionKeywords] of [
    ['before (no expansions or section keywords; introductions not lowered; document coverage lifting all its sections)', BEFORE, false],
    ['now, without the section keywords in the policies\' front matter', RANKING, false],
    ['now', RANKING, true],
  ] as const) {
    library = await libraryWith(ranking, sectionKeywords);
    const rank = libraryRanker(library);
    console.log(`\nPolicy search on the shipped corpus (${library.size} policies), ranking ${name}\n`);
    console.log(SCORES_HEADER);
    printScores('held-out, test half (never tuned on)', scoreRanking(rank, halves.test));
    printScores('held-out, tuning half', scoreRanking(rank, halves.tune));
    for (const level of ['public', 'internal', 'confidential', 'restricted'] as const) {
      const atLevel = halves.all.filter((question) => question.classification === level);
      if (atLevel.length) printScores(`held-out, both halves, ${level}`, scoreRanking(rank, atLevel));
    }
    printScores('judged set (documents only)', scoreRanking(rank, await judgedQuestions(library)), false);
  }

  const misses = values['show-misses'];
  if (misses === 'tune' || misses === 'test') {
    console.log(`\nMisses in the ${misses} half (rank of the judged section; first hit):`);
    for (const question of halves[misses]) {
      const ranked = libraryRanker(library)(question);
      const sectionRank = sectionRankOf(ranked, question);
      if (sectionRank === 1) continue;
      const first = ranked[0];
      console.log(`  ${sectionRank === Infinity ? '>10' : String(sectionRank).padStart(3)}  ${question.query}\n       want ${question.document} / ${question.section}; got ${first ? `${first.documentId} / ${first.heading}` : 'nothing'}`);
    }
  }
}

/** A policy's source without the `keywords` block of its front matter (the key and its indented lines); the body is left as it is. */
function withoutSectionKeywords(source: string): string {
  const end = source.indexOf('\n---', 3);
  return source.slice(0, end).replace(/^keywords:.*\n(?:[ \t]+.*\n?)*/m, '') + source.slice(end);
}

runBenchmark(main);
