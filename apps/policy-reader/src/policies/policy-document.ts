import type * as Yaml from 'yaml';
import { z } from 'zod';
import { CLASSIFICATIONS } from '@gmcp/mcp-kit';

export const FrontMatter = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  title: z.string().min(1),
  owner: z.string().min(1),
  category: z.string().min(1),
  classification: z.enum(CLASSIFICATIONS),
  effective: z.coerce.date(),
  tags: z.array(z.string()).default([]),
});
export type FrontMatter = z.output<typeof FrontMatter>;

export interface PolicySection {
  readonly heading: string;
  readonly text: string;
}

export interface PolicyDocument extends FrontMatter {
  readonly sourceKey: string;
  readonly lastModified: Date;
  readonly sections: readonly PolicySection[];
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/;

let yaml: Promise<typeof Yaml> | undefined;

/**
 * Parses a Markdown policy with YAML front matter into sections (one per `##`/`###` heading).
 * The YAML parser loads on the first document parsed: a server started from a prebuilt index
 * parses none, and its cold start does not load it.
 */
export async function parsePolicyDocument(source: string, sourceKey: string, lastModified: Date): Promise<PolicyDocument> {
  const match = FRONT_MATTER.exec(source);
  if (!match) throw new Error(`${sourceKey}: missing front matter`);
  const { parse: parseYaml } = await (yaml ??= import('yaml'));
  const frontMatter = FrontMatter.safeParse(parseYaml(match[1] ?? ''));
  if (!frontMatter.success) throw new Error(`${sourceKey}: invalid front matter: ${z.prettifyError(frontMatter.error)}`);
  return { ...frontMatter.data, sourceKey, lastModified, sections: splitSections(source.slice(match[0].length), frontMatter.data.title) };
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
