import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@gmcp/mcp-kit';
import { Bm25Index } from '../src/policies/bm25-index';
import { createFolderBlobStore } from '../src/policies/folder-blob-store';
import { parsePolicyDocument } from '../src/policies/policy-document';
import { createPolicyLibrary } from '../src/policies/policy-library';

/** A policy whose front matter ends with `keywords` (lines 9 onwards of the file). */
const policy = (keywords: string) => `---
id: travel
title: Travel Policy
owner: finance
category: finance
classification: internal
effective: 2026-01-01
tags: [travel]
${keywords}
---
# Travel Policy

## 1. Purpose

How we travel for work.

## 2. Accommodation

Book a room in a business hotel; the nightly rate is capped by city.

## 3. Ground Transportation

Trains and taxis to and from the hotel are reimbursed.
`;

const parse = (source: string, onKeywordProblem?: (problem: string) => void) => parsePolicyDocument(source, 'travel.md', new Date(0), onKeywordProblem ? { onKeywordProblem } : {});

describe('section keywords in front matter', () => {
  it('attach to the sections they name, and a policy without them parses as before', async () => {
    const document = await parse(policy('keywords:\n  "2. Accommodation": [lodging, Airbnb, "per-night cap"]'));
    expect(document.sections.map((section) => section.keywords)).toEqual([undefined, ['lodging', 'Airbnb', 'per-night cap'], undefined]);
    expect(document).not.toHaveProperty('keywords');
    expect((await parse(policy(''))).sections.every((section) => section.keywords === undefined)).toBe(true);
  });

  it('an entry that names no heading, a keyword with no searchable word, or a wrong shape is an error with the file and line', async () => {
    await expect(parse(policy('keywords:\n  "2. Hotels": [lodging]'))).rejects.toThrow(
      'travel.md:10: keywords["2. Hotels"]: "2. Hotels" is not a heading of this policy (its headings: 1. Purpose | 2. Accommodation | 3. Ground Transportation)',
    );
    await expect(parse(policy('keywords:\n  "2. Accommodation":\n    - lodging\n    - the'))).rejects.toThrow('travel.md:12: keywords["2. Accommodation"][1]: "the" has no searchable words');
    await expect(parse(policy('keywords:\n  "2. Accommodation": lodging'))).rejects.toThrow(/^travel\.md:10: keywords\["2\. Accommodation"\]: Invalid input: expected array/);
    await expect(parse(policy('keywords:\n  "2. Accommodation": []'))).rejects.toThrow(/^travel\.md:10: keywords\["2\. Accommodation"\]: /);
    await expect(parse(policy('keywords: [lodging]'))).rejects.toThrow('travel.md:9: keywords: must map section headings to lists of keywords');
    await expect(parse(policy('keywords:\n  "2. Accommodation": [lodging, "hotel room night rate cap"]'))).rejects.toThrow(
      'travel.md:10: keywords["2. Accommodation"][1]: "hotel room night rate cap" has 5 searchable words; a phrase is matched whole on at most 4',
    );
  });

  it('the rest of the front matter names its line too', async () => {
    await expect(parse(policy('').replace('classification: internal', 'classification: secret'))).rejects.toThrow(/^travel\.md:6: invalid front matter: [\s\S]*classification/);
    // The file's line only: the parser's own count starts at the front matter.
    const syntax = parse(policy('keywords: [unclosed'));
    await expect(syntax).rejects.toThrow(/^travel\.md:9: invalid front matter: /);
    await expect(syntax).rejects.not.toThrow(/at line \d+/);
  });

  it('with a problem handler, an unusable entry is reported and left out while the others stay', async () => {
    const problems: string[] = [];
    const document = await parse(policy('keywords:\n  "2. Hotels": [lodging]\n  "3. Ground Transportation": [cab, Uber]'), (problem) => problems.push(problem));
    expect(problems).toEqual([expect.stringMatching(/^travel\.md:10: keywords\["2\. Hotels"\]: /)]);
    expect(document.sections.map((section) => section.keywords)).toEqual([undefined, undefined, ['cab', 'Uber']]);
  });
});

describe('section keywords in the index', () => {
  const section = (documentId: string, heading: string, text: string, keywords?: string[]) => ({ documentId, position: 0, title: 'Policy', heading, text, tags: '', ...(keywords && { keywords }) });
  const ranked = (index: Bm25Index, query: string) => index.search(query, 5, () => true).hits.map((hit) => [hit.documentId, Math.round(hit.score * 1000) / 1000]);

  it('a keyword counts as a word of the heading', () => {
    const index = new Bm25Index();
    index.add(section('keyword', 'Booking', 'Use the travel desk.', ['lodging']));
    index.add(section('heading', 'Lodging booking', 'Use the travel desk.'));
    index.add(section('other', 'Meals', 'Dinner is covered.'));
    const [first, second] = ranked(index, 'lodging');
    expect(first?.[1]).toBeGreaterThan(0);
    expect(first?.[1]).toBe(second?.[1]);
  });

  it('a keyword of several words matches whole only with its words in a row, even across stop words', () => {
    const index = new Bm25Index();
    index.add(section('claims', 'Submitting claims', 'Attach every receipt.', ['lost receipt']));
    index.add(section('badges', 'Badges', 'Report a lost badge to reception; a new badge is free.'));
    expect(ranked(index, 'lost my receipt')[0]?.[0]).toBe('claims');
    // "lost" alone weighs in the keyword section as a word of its body, not as its keyword.
    expect(ranked(index, 'lost badge')[0]?.[0]).toBe('badges');
    const [badges, claims] = ranked(index, 'lost');
    expect(badges).toEqual(['badges', expect.any(Number)]);
    expect(claims?.[1]).toBeLessThanOrEqual(badges![1] as number);
    // The prefix match on a query's last word does not reach a keyword phrase.
    expect(index.search('lost', 5, () => true).hits.flatMap((hit) => hit.terms)).not.toContain('lost receipt');
  });
});

describe('section keywords in search', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keywords-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const logger = createLogger('test', 'SILENT');
  const top = async (provider: ReturnType<typeof createPolicyLibrary>, query: string) =>
    (await provider.current()).search({ query, clearance: 'internal', offset: 0, limit: 3 }).hits.map((hit) => [hit.heading, hit.snippet]);

  it('a section is found by its owner\'s words for it, which count as its heading does and are never shown', async () => {
    await writeFile(join(dir, 'travel.md'), policy('keywords:\n  "2. Accommodation": [lodging, Airbnb]'));
    const provider = createPolicyLibrary(createFolderBlobStore(dir), { refreshMs: 0, logger, strict: true });
    const [first, ...rest] = await top(provider, 'can I book an airbnb');
    expect(first?.[0]).toBe('2. Accommodation');
    expect(first?.[1]).not.toMatch(/airbnb/i);
    expect(rest).toEqual([]);
    const prebuilt = JSON.parse(await provider.buildPrebuiltIndex()) as { version: number; documents: { sections: { keywords?: string[] }[] }[] };
    expect(prebuilt.documents[0]!.sections[1]!.keywords).toEqual(['lodging', 'Airbnb']);
  });

  it('a bad entry stops the index build with the file and line; a server logs it and serves the document without it', async () => {
    await writeFile(join(dir, 'travel.md'), policy('keywords:\n  "2. Hotels": [lodging]\n  "3. Ground Transportation": [cab]'));
    const build = createPolicyLibrary(createFolderBlobStore(dir), { refreshMs: 0, logger, strict: true });
    await expect(build.buildPrebuiltIndex()).rejects.toThrow(`folder ${dir}: travel.md:10: keywords["2. Hotels"]: `);

    const logged = jest.spyOn(logger, 'error');
    const serving = createPolicyLibrary(createFolderBlobStore(dir), { refreshMs: 0, logger });
    expect((await top(serving, 'cab'))[0]?.[0]).toBe('3. Ground Transportation');
    expect(await top(serving, 'lodging')).toEqual([]);
    expect(logged).toHaveBeenCalledWith('policy keywords entry left out', { problem: expect.stringMatching(/^travel\.md:10: keywords\["2\. Hotels"\]: /) });
  });

  it('an invalid document, or an id used twice, stops the index build too, instead of shipping an index without it', async () => {
    await writeFile(join(dir, 'travel.md'), policy('').replace('owner: finance', 'owner: ""'));
    const build = () => createPolicyLibrary(createFolderBlobStore(dir), { refreshMs: 0, logger, strict: true }).buildPrebuiltIndex();
    await expect(build()).rejects.toThrow(`folder ${dir}: travel.md:4: invalid front matter: `);
    await writeFile(join(dir, 'travel.md'), policy(''));
    await writeFile(join(dir, 'travel-copy.md'), policy(''));
    await expect(build()).rejects.toThrow(`folder ${dir}: travel.md: policy id "travel" is already used by travel-copy.md`);
    // A server keeps the first file that used the id.
    const serving = createPolicyLibrary(createFolderBlobStore(dir), { refreshMs: 0, logger });
    expect((await serving.current()).size).toBe(1);
  });
});
