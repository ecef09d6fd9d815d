import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFolderBlobStore } from '../src';
import { DEFAULT_CORPUS_DIR } from '../src/config';
import { parsePolicyDocument } from '../src/policies/policy-document';
import { createPolicyLibrary, type PolicyLibrary } from '../src/policies/policy-library';
import { createLogger } from '@gmcp/mcp-kit';
import { clearanceOf, highestClassification } from '../src/policies/clearance';

const sample = `---
id: sample-policy
title: Sample Policy
owner: security-engineering
category: security
classification: confidential
effective: 2026-01-15
tags: [sample, testing]
---
# Sample Policy

Intro text.

## 1. Scope
Applies to laptops.

### 1.1 Exceptions
None.
`;

describe('parsePolicyDocument', () => {
  it('reads front matter and splits the body into headed sections', async () => {
    const document = await parsePolicyDocument(sample, 'sample.md', new Date(0));
    expect(document).toMatchObject({ id: 'sample-policy', classification: 'confidential', tags: ['sample', 'testing'] });
    expect(document.effective.toISOString()).toBe('2026-01-15T00:00:00.000Z');
    expect(document.sections).toEqual([
      { heading: 'Sample Policy', text: 'Intro text.' },
      { heading: '1. Scope', text: 'Applies to laptops.' },
      { heading: '1.1 Exceptions', text: 'None.' },
    ]);
  });

  it('names the document and the field when front matter is wrong', async () => {
    await expect(parsePolicyDocument('# no front matter', 'a.md', new Date())).rejects.toThrow('a.md: missing front matter');
    await expect(parsePolicyDocument(sample.replace('confidential', 'secret'), 'b.md', new Date())).rejects.toThrow(/b\.md:6: invalid front matter[\s\S]*classification/);
  });
});

describe('folder blob store', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'policies-'));
    await writeFile(join(dir, 'a.md'), sample);
    await writeFile(join(dir, 'ignored.png'), 'binary');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lists documents with content ETags', async () => {
    const entries = await createFolderBlobStore(dir).list();
    expect(entries.map((entry) => entry.key)).toEqual(['a.md']);
    expect(entries[0]!.etag).toMatch(/^\d+-\d+$/);
  });

  it.each(['../etc/passwd', '/etc/passwd', 'a/../../x.md', 'a//b.md', 'a\\..\\b.md', './a.md', 'a\u0000.md'])('refuses a key outside the folder: %s', async (key) => {
    await expect(createFolderBlobStore(dir).read(key)).rejects.toThrow(/not inside the policy location/);
  });
});

describe('the shipped corpus', () => {
  it('has at least 30 valid documents whose ids match their file names', async () => {
    const store = createFolderBlobStore(DEFAULT_CORPUS_DIR);
    const entries = await store.list();
    expect(entries.length).toBeGreaterThanOrEqual(30);
    for (const entry of entries) {
      const document = await parsePolicyDocument(await store.read(entry.key), entry.key, entry.lastModified);
      expect(`${document.id}.md`).toBe(entry.key);
    }
  });
});

describe('policy library search', () => {
  let library: PolicyLibrary;
  beforeAll(async () => {
    library = await createPolicyLibrary(createFolderBlobStore(DEFAULT_CORPUS_DIR), { refreshMs: 60_000, logger: createLogger('t', 'SILENT') }).current();
  });

  it.each([
    ['expense receipts reimbursement deadline', 'expenses-reimbursement'],
    ['report a phishing email security incident', 'incident-response'],
    ['using ChatGPT or other generative AI assistants at work', 'generative-ai-usage'],
  ])('ranks the expected document first for "%s"', (query, expected) => {
    const { hits } = library.search({ query, clearance: 'restricted', offset: 0, limit: 5 });
    expect(hits[0]?.document.id).toBe(expected);
  });

  it('ranks the offboarding policy among the first for a question the acceptable-use policy also answers', () => {
    // Acceptable use ("each employee receives a managed laptop") and offboarding ("Equipment Return")
    // both match; the ranking puts acceptable use first by a small margin.
    const { hits } = library.search({ query: 'laptop return when an employee leaves', clearance: 'restricted', offset: 0, limit: 5 });
    expect(hits.slice(0, 2).map((hit) => hit.document.id)).toContain('employee-onboarding-offboarding');
  });

  it('never returns documents above the caller clearance', () => {
    const { hits } = library.search({ query: 'encryption keys rotation', clearance: 'internal', offset: 0, limit: 20 });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((hit) => ['public', 'internal'].includes(hit.document.classification))).toBe(true);
  });

  it('marks matched terms in snippets', () => {
    const [hit] = library.search({ query: 'travel', clearance: 'internal', offset: 0, limit: 1 }).hits;
    expect(hit!.snippet).toMatch(/\*\*travel\*\*/i);
  });
});

describe('clearance', () => {
  it('maps scopes to the highest cleared level', () => {
    expect(clearanceOf(new Set(['policies:read']))).toBe('internal');
    expect(clearanceOf(new Set(['policies:read', 'policies:read:confidential']))).toBe('confidential');
    expect(clearanceOf(new Set(['policies:read:restricted']))).toBe('restricted');
    expect(highestClassification(['internal', 'restricted', 'public'])).toBe('restricted');
    expect(highestClassification([])).toBe('public');
  });
});
