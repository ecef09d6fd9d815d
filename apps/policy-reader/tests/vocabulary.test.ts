import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLASSIFICATIONS, createLogger } from '@gmcp/mcp-kit';
import { DEFAULT_CORPUS_DIR } from '../src/config';
import { isCleared } from '../src/policies/clearance';
import { Bm25Index } from '../src/policies/bm25-index';
import { createFolderBlobStore } from '../src/policies/folder-blob-store';
import { createPolicyLibrary } from '../src/policies/policy-library';
import type { SectionRecord } from '../src/policies/search-index';
import { analyze, normalizeNumbers } from '../src/policies/text-analysis';
import { decodeExpansions, DERIVATION_WEIGHT, encodeExpansions, glossaryExpansions, GLOSSARY_KEY, GLOSSARY_WEIGHT, SYNONYM_WEIGHT, wordNetExpansions } from '../src/policies/vocabulary-bridge';

const record = (documentId: string, heading: string, text: string): SectionRecord => ({ documentId, position: 0, title: 'Policy', heading, text, tags: '' });
const logger = createLogger('test', 'SILENT');

describe('vocabulary bridging', () => {
  it('reads amounts written either way as one term', () => {
    expect(normalizeNumbers('up to $30k, or USD 30,000, or 1.5m')).toBe('up to $30000, or USD 30000, or 1500000');
    expect(analyze('$30k')).toEqual(analyze('30,000'));
    expect(normalizeNumbers('version 2.1, room 101, 2026-01-01')).toBe('version 2.1, room 101, 2026-01-01');
  });

  it('a glossary entry reaches the corpus terms of its other sides, phrases by their words in a row', () => {
    const corpus = new Set(analyze('SMS codes and multi-factor sign-in; paid time off'));
    const expansions = glossaryExpansions(JSON.stringify({ terms: [{ means: ['SMS', 'text message'] }, { means: ['PTO', 'time off'] }] }), corpus);
    expect(expansions.get('text messag')).toEqual([['sms', GLOSSARY_WEIGHT]]);
    expect(expansions.get('pto')).toEqual([['time', GLOSSARY_WEIGHT], ['off', GLOSSARY_WEIGHT]]);
    // "text" alone is not "text message": no expansion from one word of a phrase.
    expect(expansions.get('text')).toBeUndefined();
    expect(() => glossaryExpansions('{"terms":[{"means":["only one"]}]}', corpus)).toThrow();
  });

  it('a bad glossary entry is reported with the file and the line it starts on', () => {
    const corpus = new Set(analyze('SMS codes'));
    const entries = (third: object) => JSON.stringify({ terms: [{ means: ['SMS', 'text message'] }, { means: ['PTO', 'time off'] }, third] }, null, 2);
    // Entries open on lines 3, 9 and 15 of the pretty-printed file.
    expect(() => glossaryExpansions(entries({ means: ['lonely'] }), corpus)).toThrow(/^_glossary\.json:15: terms\.2\.means: /);
    expect(() => glossaryExpansions(entries({ means: ['MFA', 'the'] }), corpus)).toThrow('_glossary.json:15: terms.2.means.1: "the" has no searchable words');
    expect(() => glossaryExpansions(entries({ means: ['CISO', 'chief information security officer on call'] }), corpus)).toThrow(
      '_glossary.json:15: terms.2.means.1: "chief information security officer on call" has 5 searchable words; a phrase is matched whole on at most 4',
    );
    expect(() => glossaryExpansions(entries({ mean: ['a', 'b'] }), corpus)).toThrow(/^_glossary\.json:15: terms\.2/);
    expect(() => glossaryExpansions('{\n  "terms": [\n    { "means": ["a", "b"] }\n  ]', corpus)).toThrow(/^_glossary\.json(:\d+)?: not valid JSON/);
    expect(() => glossaryExpansions('{\n  "terms": [\n    { means: ["a", "b"] }\n  ]\n}', corpus)).toThrow(/^_glossary\.json:3: not valid JSON/);
  });

  it('WordNet bridges synonyms to the corpus\'s word, weighted below the word itself', () => {
    const expansions = wordNetExpansions(new Set(analyze('theft of equipment; automobile rentals')));
    const targets = (word: string) => new Map(expansions.get(analyze(word)[0]!) ?? []);
    expect(targets('car').get('automobil')).toBeLessThan(1);
    expect(targets('stealing').get('theft')).toBeLessThan(1);
    expect(targets('larceny').get('theft')).toBeLessThan(1);
    expect(targets('theft').has('theft')).toBe(false);
    // Derivations ("decide" → "decision", "retention" → "retain") count for less than synonyms.
    const derived = wordNetExpansions(new Set(analyze('the decision to retain records')));
    expect(derived.get('decid')).toEqual([['decis', DERIVATION_WEIGHT]]);
    expect(derived.get('retent')).toEqual([['retain', DERIVATION_WEIGHT]]);
    expect(DERIVATION_WEIGHT).toBeLessThan(SYNONYM_WEIGHT);
  });

  it('the table travels in the prebuilt index as text, and reads back the same, key by key', () => {
    const table = wordNetExpansions(new Set(analyze('theft of equipment; automobile rentals; the decision to retain records')));
    table.set('text messag', [['sms', GLOSSARY_WEIGHT]]);
    const lookup = decodeExpansions(encodeExpansions(table));
    for (const [key, targets] of table) expect(lookup.get(key)).toEqual(targets);
    expect(lookup.get('text messag')).toEqual([['sms', 0.8]]);
    expect(lookup.get('nothing like it')).toBeUndefined();
    expect(decodeExpansions('').get('')).toBeUndefined();
  });

  it('a query reaches the section that says it in other words, and a transposed letter is one edit', () => {
    const index = new Bm25Index();
    index.add(record('mfa', 'Second factors', 'SMS codes are allowed only where no authenticator app can be used.'));
    index.add(record('expenses', 'Claims', 'Attach every receipt to the claim within 30 days.'));
    index.add(record('chat', 'Messaging', 'Team chat is the place for quick questions.'));
    const expansions = glossaryExpansions(JSON.stringify({ terms: [{ means: ['SMS', 'text message'] }] }), index.vocabulary());
    const first = (query: string) => index.search(query, 3, () => true, expansions).hits[0]?.documentId;
    expect(first('can I use a text message as a second factor')).toBe('mfa');
    expect(first('lost my reciept')).toBe('expenses');
  });
});

describe('expansions and exact matches', () => {
  it('a word reached through another word never outranks the same word written in the query', () => {
    const index = new Bm25Index();
    index.add(record('theft', 'Losses', 'Report the theft of a laptop at once.'));
    index.add(record('larceny', 'Losses', 'Report the larceny of a laptop at once.'));
    index.add(record('other', 'Meals', 'Dinner is covered.'));
    // The strongest kind of expansion, both ways: a reviewed glossary entry.
    const expansions = glossaryExpansions(JSON.stringify({ terms: [{ means: ['theft', 'larceny'] }] }), index.vocabulary());
    for (const [query, exact, reached] of [['theft', 'theft', 'larceny'], ['larceny', 'larceny', 'theft']] as const) {
      const hits = index.search(query, 3, () => true, expansions).hits;
      expect(hits.map((hit) => hit.documentId)).toEqual([exact, reached]);
      expect(hits[1]!.score).toBeCloseTo(hits[0]!.score * GLOSSARY_WEIGHT, 10);
    }
  });

  it('an expanded query never returns, or counts, a document above the caller\'s clearance (every held-out question, every level)', async () => {
    const library = await createPolicyLibrary(createFolderBlobStore(DEFAULT_CORPUS_DIR), { refreshMs: 60_000, logger, bridge: wordNetExpansions }).current();
    const { questions } = JSON.parse(await readFile(join(__dirname, '../eval/held-out-questions.json'), 'utf8')) as { questions: { query: string }[] };
    let above = 0;
    for (const clearance of CLASSIFICATIONS) {
      for (const { query } of questions) {
        // Every matching section in one page: the total counts exactly those returned.
        const { hits, total } = library.search({ query, clearance, offset: 0, limit: 10_000 });
        above += hits.filter((hit) => !isCleared(hit.document.classification, clearance)).length;
        expect(total).toBe(hits.length);
      }
    }
    expect(above).toBe(0);
    // The same questions do reach documents above the lowest clearance for a cleared caller.
    const restricted = questions.flatMap(({ query }) => library.search({ query, clearance: 'restricted', offset: 0, limit: 10_000 }).hits);
    expect(restricted.some((hit) => !isCleared(hit.document.classification, 'internal'))).toBe(true);
  });
});

describe('the library', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corpus-'));
    const policy = (id: string, sections: string) => `---\nid: ${id}\ntitle: ${id} policy\nowner: it\ncategory: security\nclassification: internal\neffective: 2026-01-01\ntags: [${id}]\n---\n# ${id}\n\n${sections}`;
    await writeFile(join(dir, 'badges.md'), policy('badges', '## 1. Purpose\n\nThis policy covers badges, visitors and doors.\n\n## 2. Lost badges\n\nReport a lost badge to reception; a replacement badge costs nothing.\n'));
    await writeFile(join(dir, GLOSSARY_KEY), JSON.stringify({ terms: [{ means: ['badge', 'key card'] }] }));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('ranks the specific section above the introduction, answers in the glossary\'s other words, and keeps the table in the prebuilt index', async () => {
    const provider = createPolicyLibrary(createFolderBlobStore(dir), { refreshMs: 0, logger });
    const top = async (library: Awaited<ReturnType<typeof provider.current>>) => library.search({ query: 'lost key card', clearance: 'internal', offset: 0, limit: 2 }).hits.map((hit) => hit.heading);
    expect(await top(await provider.current())).toEqual(['2. Lost badges', '1. Purpose']);

    const prebuilt = await provider.buildPrebuiltIndex();
    expect(JSON.parse(prebuilt).expansions).toBe(`key card\tbadg ${GLOSSARY_WEIGHT}`);
    // A server that loads the index needs neither the glossary nor WordNet to answer the same way.
    const bucket = await mkdtemp(join(tmpdir(), 'bucket-'));
    await writeFile(join(bucket, 'badges.md'), 'not read: the index is current');
    const store = createFolderBlobStore(dir);
    const loaded = createPolicyLibrary({ ...store, readOptional: async (key) => (key === '_index/policy-index.json' ? prebuilt : undefined) }, { refreshMs: 3_600_000, logger });
    expect(await top(await loaded.current())).toEqual(['2. Lost badges', '1. Purpose']);
    await rm(bucket, { recursive: true, force: true });
  });

  it('an invalid glossary stops the index build with its file and line, also when only the glossary changed; a server logs it and searches without it', async () => {
    const strict = createPolicyLibrary(createFolderBlobStore(dir), { refreshMs: 0, logger, strict: true });
    const store = createFolderBlobStore(dir);
    await store.write('_index/policy-index.json', await strict.buildPrebuiltIndex());
    await writeFile(join(dir, GLOSSARY_KEY), '{\n  "terms": [\n    { "means": ["badge"] }\n  ]\n}\n');
    const rebuilt = createPolicyLibrary(createFolderBlobStore(dir), { refreshMs: 0, logger, strict: true });
    await expect(rebuilt.buildPrebuiltIndex()).rejects.toThrow(`folder ${dir}: _glossary.json:3: terms.0.means: `);
    const serving = await createPolicyLibrary(createFolderBlobStore(dir), { refreshMs: 0, logger }).current();
    expect(serving.search({ query: 'lost badge', clearance: 'internal', offset: 0, limit: 1 }).hits[0]?.heading).toBe('2. Lost badges');
  });
});
