import type * as Yaml from 'yaml';
import { z } from 'zod';
import { CLASSIFICATIONS } from '@gmcp/mcp-kit';
import { firstPhraseProblem } from './text-analysis';

export const FrontMatter = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  title: z.string().min(1),
  owner: z.string().min(1),
  category: z.string().min(1),
  classification: z.enum(CLASSIFICATIONS),
  effective: z.coerce.date(),
  tags: z.array(z.string()).default([]),
  /** Checked entry by entry once the sections are known (see `sectionKeywords`). */
  keywords: z.unknown().optional(),
});
export type FrontMatter = Omit<z.output<typeof FrontMatter>, 'keywords'>;

/** Words the policy's owner knows people use for a section, beside the ones it is written in. */
const KeywordList = z.array(z.string().trim().min(1).max(80)).min(1).max(20);

export interface PolicySection {
  readonly heading: string;
  readonly text: string;
  /** From the front matter's `keywords`: searched like the heading, never shown. */
  readonly keywords?: readonly string[];
}

export interface PolicyDocument extends FrontMatter {
  readonly sourceKey: string;
  readonly lastModified: Date;
  readonly sections: readonly PolicySection[];
}

export interface ParseOptions {
  /**
   * Receives a `keywords` entry that cannot be used (it names no section, or a keyword has no
   * searchable word), which is then left out. Without it such an entry is an error: the index
   * build stops on it, a server logs it and keeps the rest of the document.
   */
  onKeywordProblem?: (problem: string) => void;
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/;
/** The front matter's first line is the file's second (after the opening `---`). */
const FRONT_MATTER_FIRST_LINE = 2;

let yaml: Promise<typeof Yaml> | undefined;

/**
 * Parses a Markdown policy with YAML front matter into sections (one per `##`/`###` heading).
 * Problems name the file and the line. The YAML parser loads on the first document parsed: a
 * server started from a prebuilt index parses none, and its cold start does not load it.
 */
export async function parsePolicyDocument(source: string, sourceKey: string, lastModified: Date, options: ParseOptions = {}): Promise<PolicyDocument> {
  const match = FRONT_MATTER.exec(source);
  if (!match) throw new Error(`${sourceKey}: missing front matter`);
  const front = await readFrontMatter(match[1] ?? '');
  const at = (path: readonly PropertyKey[]) => `${sourceKey}:${front.lineOf(path)}`;
  if (front.syntaxError) throw new Error(`${sourceKey}:${front.syntaxError.line}: invalid front matter: ${front.syntaxError.message}`);
  const parsed = FrontMatter.safeParse(front.value);
  if (!parsed.success) throw new Error(`${at(parsed.error.issues[0]!.path)}: invalid front matter: ${z.prettifyError(parsed.error)}`);
  const { keywords, ...frontMatter } = parsed.data;
  const sections = splitSections(source.slice(match[0].length), frontMatter.title);
  const report =
    options.onKeywordProblem ??
    ((problem: string) => {
      throw new Error(problem);
    });
  const byHeading = sectionKeywords(keywords, sections, (path, message) => {
    report(`${at(['keywords', ...path])}: keywords${path.map((key) => `[${JSON.stringify(key)}]`).join('')}: ${message}`);
  });
  return {
    ...frontMatter,
    sourceKey,
    lastModified,
    sections: sections.map((section) => (byHeading.has(section.heading) ? { ...section, keywords: byHeading.get(section.heading)! } : section)),
  };
}

/** The usable `keywords` entries by heading; each unusable one is reported with its path and left out. */
function sectionKeywords(keywords: unknown, sections: readonly PolicySection[], report: (path: PropertyKey[], message: string) => void): Map<string, string[]> {
  const byHeading = new Map<string, string[]>();
  if (keywords === undefined) return byHeading;
  if (keywords === null || typeof keywords !== 'object' || Array.isArray(keywords)) {
    report([], 'must map section headings to lists of keywords');
    return byHeading;
  }
  const headings = new Set(sections.map((section) => section.heading));
  for (const [heading, value] of Object.entries(keywords)) {
    if (!headings.has(heading)) {
      report([heading], `"${heading}" is not a heading of this policy (its headings: ${[...headings].join(' | ')})`);
      continue;
    }
    const list = KeywordList.safeParse(value);
    if (!list.success) {
      const issue = list.error.issues[0]!;
      report([heading, ...issue.path], issue.message);
      continue;
    }
    const unusable = firstPhraseProblem(list.data);
    if (unusable) {
      report([heading, unusable.index], unusable.problem);
      continue;
    }
    byHeading.set(heading, list.data);
  }
  return byHeading;
}

interface FrontMatterText {
  value: unknown;
  syntaxError?: { line: number; message: string };
  /** The file line of the value at `path`, or of its nearest parent that exists. */
  lineOf(path: readonly PropertyKey[]): number;
}

async function readFrontMatter(text: string): Promise<FrontMatterText> {
  const { parseDocument, LineCounter, isNode } = await (yaml ??= import('yaml'));
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  const fileLine = (offset: number) => lineCounter.linePos(offset).line + FRONT_MATTER_FIRST_LINE - 1;
  const [error] = document.errors;
  return {
    value: error ? undefined : document.toJS(),
    // The parser's own "at line N, column M" counts from the front matter's start: the file's line replaces it.
    ...(error && { syntaxError: { line: fileLine(error.pos[0]), message: error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') } }),
    lineOf(path) {
      for (let length = path.length; length > 0; length -= 1) {
        const node: unknown = document.getIn(path.slice(0, length) as unknown[], true);
        if (isNode(node) && node.range) return fileLine(node.range[0]);
      }
      return FRONT_MATTER_FIRST_LINE;
    },
  };
}

function splitSections(body: string, title: string): PolicySection[] {
  const sections: PolicySection[] = [];
  let heading = title;
  let lines: string[] = [];
  const flush = () => {
    const text = lines.join('\n').trim();
    if (text) sections.push({ heading, text });
    lines = [];
  };
  for (const line of body.split(/\r?\n/)) {
    const headingMatch = /^(#{1,3})\s+(.+?)\s*#*$/.exec(line);
    if (headingMatch) {
      flush();
      heading = headingMatch[2] ?? heading;
    } else {
      lines.push(line);
    }
  }
  flush();
  return sections;
}
