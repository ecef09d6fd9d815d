import type { PolicyDocument } from './policy-document';

/** One indexed unit: a section of a policy, with the document fields that describe it. */
export interface SectionRecord {
  documentId: string;
  position: number;
  title: string;
  heading: string;
  text: string;
  tags: string;
  /** The section's keywords from its policy's front matter: each matches as a whole, its words in a row. */
  keywords?: readonly string[];
}

export function sectionRecords(document: PolicyDocument): SectionRecord[] {
  return document.sections.map((section, position) => ({
    documentId: document.id,
    position,
    title: document.title,
    heading: section.heading,
    text: section.text,
    tags: document.tags.join(' '),
    ...(section.keywords && { keywords: section.keywords }),
  }));
}
