import { Bm25Index } from '../src/policies/bm25-index';
import type { SectionRecord } from '../src/policies/search-index';

const record = (documentId: string, position: number, text: string, title = 'Generic policy'): SectionRecord => ({
  documentId,
  position,
  title,
  heading: `Section ${position}`,
  text,
  tags: '',
});

describe('Bm25Index', () => {
  const index = new Bm25Index();
  for (let d = 0; d < 50; d += 1) {
    index.add(record(`doc-${d}`, 0, `shared words about travel ${d % 5 === 0 ? 'reimbursement' : ''}`));
    index.add(record(`doc-${d}`, 1, 'unrelated text entirely'));
  }
  index.add(record('special', 0, 'reimbursement reimbursement of travelling expenses', 'Travel Reimbursement Policy'));
  const all = () => true;

  it('ranks by BM25F: repeated terms and title matches first, and counts every match', () => {
    const { hits, total } = index.search('travel reimbursement', 5, all);
    expect(hits[0]!.documentId).toBe('special');
    expect(hits[0]!.terms.sort()).toEqual(['reimburs', 'travel']);
    expect(total).toBe(51);
  });

  it('returns the same order for every k, so that pages never overlap', () => {
    const small = index.search('shared', 10, all).hits.map((hit) => `${hit.documentId}#${hit.position}`);
    const large = index.search('shared', 30, all).hits.map((hit) => `${hit.documentId}#${hit.position}`);
    expect(large.slice(0, 10)).toEqual(small);
  });

  it('matches a prefix of the last word and a one-letter typo', () => {
    expect(index.search('reimbur', 1, all).hits[0]?.documentId).toBe('special');
    expect(index.search('expences', 1, all).hits[0]?.documentId).toBe('special');
  });

  it('leaves out documents the filter refuses, from the hits and from the total', () => {
    const { hits, total } = index.search('reimbursement', 100, (documentId) => documentId !== 'special');
    expect(hits.map((hit) => hit.documentId)).not.toContain('special');
    expect(total).toBe(10);
  });

  it('forgets discarded documents and survives a serialisation round trip', () => {
    const copy = Bm25Index.fromJSON(JSON.parse(JSON.stringify(index.toJSON())));
    copy.discardDocument('special');
    expect(copy.search('reimbursement', 100, all).hits.map((hit) => hit.documentId)).not.toContain('special');
    expect(copy.deadSections).toBe(1);
    const reloaded = Bm25Index.fromJSON(JSON.parse(JSON.stringify(copy.toJSON())));
    expect(reloaded.deadSections).toBe(0);
    expect(reloaded.search('reimbursement', 100, all).total).toBe(10);
    expect(index.search('reimbursement', 100, all).total).toBe(11);
  });
});

describe('Bm25Index after edits', () => {
  it('scores exactly like a fresh index of the same live sections (document frequencies exclude discarded ones)', () => {
    const edited = new Bm25Index();
    const fresh = new Bm25Index();
    for (let i = 0; i < 4; i += 1) {
      edited.add(record(`live-${i}`, 0, `retention of records ${i}`));
      fresh.add(record(`live-${i}`, 0, `retention of records ${i}`));
    }
    edited.add(record('gone-a', 0, 'retention retention'));
    edited.add(record('gone-b', 0, 'retention schedule'));
    edited.discardDocument('gone-a');
    edited.discardDocument('gone-b');
    const scores = (index: Bm25Index) => index.search('retention', 10, () => true).hits.map((hit) => hit.score);
    expect(scores(edited)).toEqual(scores(fresh));
    expect(scores(edited)[0]).toBeGreaterThan(0);
  });

  it('scores a term once, at its best weight, however many ways the query reaches it', () => {
    const index = new Bm25Index();
    index.add(record('a', 0, 'backup copies'));
    index.add(record('b', 0, 'unrelated'));
    index.add(record('c', 0, 'more unrelated words'));
    const once = index.search('backup', 1, () => true).hits[0]!.score;
    expect(index.search('backup back', 1, () => true).hits[0]!.score).toBeCloseTo(once, 10);
  });
});
