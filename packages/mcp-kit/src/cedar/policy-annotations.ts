import type { CedarEngine, DetailedError, PolicyJson } from './cedar-engine';

/** What a permit may ask for beyond allowing the call (`@requires("approval")`). */
export const REQUIREMENTS = ['confirmation', 'approval'] as const;
export type Requirement = (typeof REQUIREMENTS)[number];

/** One policy as its annotations and scope describe it. */
export interface PolicyMeta {
  id: string;
  effect: 'permit' | 'forbid';
  /** The tools it applies to; undefined: all of them. */
  tools?: ReadonlySet<string>;
  requires?: Requirement;
  description?: string;
  /** `@confidential`: a refusal says only that a call policy refused, not which. */
  confidential: boolean;
}

const POLICY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A policy's annotations and action scope, and what is wrong with them. */
export function policyMeta(cedar: CedarEngine, policy: string, cedarId: string): { meta: PolicyMeta; problems: string[] } {
  const json = cedar.policyToJson(policy);
  if (json.type === 'failure') return { meta: { id: cedarId, effect: 'forbid', confidential: false }, problems: json.errors.map((error) => error.message) };
  const annotations = json.json.annotations ?? {};
  const problems: string[] = [];
  const id = annotations.id ?? '';
  if (!POLICY_ID.test(id)) problems.push(id ? `@id("${id}") must be letters, digits, ".", "_" or "-" (at most 128)` : 'every policy needs an @id("…"), which audit records and refusals name');
  const requires = annotations.requires;
  if (requires !== undefined && !(REQUIREMENTS as readonly string[]).includes(requires)) problems.push(`@requires must be one of ${REQUIREMENTS.join(', ')}`);
  if (requires !== undefined && json.json.effect !== 'permit') problems.push('@requires belongs on a permit: a forbid allows nothing to require');
  return {
    meta: {
      id: id || cedarId,
      effect: json.json.effect,
      tools: toolsOf(json.json.action),
      requires: requires as Requirement | undefined,
      description: annotations.description,
      confidential: 'confidential' in annotations,
    },
    problems,
  };
}

function toolsOf(action: PolicyJson['action']): ReadonlySet<string> | undefined {
  if (action.op === 'All') return undefined;
  const uids = 'entities' in action ? action.entities : 'entity' in action ? [action.entity] : [];
  return new Set(uids.map((uid) => ('__entity' in uid ? uid.__entity.id : uid.id)));
}

/** Each policy's problems, placed at its line: a missing or repeated @id, a misplaced or unknown @requires. */
export function metaProblems(metas: { meta: PolicyMeta; problems: string[] }[], policies: string[], text: string, options: { source: string; approvals: boolean }): string[] {
  const seen = new Set<string>();
  let from = 0;
  return metas.flatMap(({ meta, problems }, index) => {
    const offset = text.indexOf(policies[index]!, from);
    if (offset >= 0) from = offset + policies[index]!.length;
    const place = `${options.source}:${offset >= 0 ? lineAndColumn(text, offset) : '?'}`;
    const all = [...problems];
    if (seen.has(meta.id)) all.push(`@id("${meta.id}") is used twice`);
    seen.add(meta.id);
    if (meta.requires === 'approval' && !options.approvals) all.push('@requires("approval"): this server has no approval workflow (it serves no high-risk tool)');
    return all.map((problem) => `${place}: ${problem}`);
  });
}

/** `source:line:column: message` for an engine error, with the policy id when known. */
export function locator(text: string, source: string) {
  return (error: DetailedError, policyId?: string): string => {
    const start = error.sourceLocations?.[0]?.start;
    const place = start === undefined ? source : `${source}:${lineAndColumn(text, start)}`;
    const help = error.help ? ` (${error.help})` : '';
    const label = error.sourceLocations?.[0]?.label ? ` — ${error.sourceLocations[0].label}` : '';
    return `${place}: ${policyId ? `policy ${policyId}: ` : ''}${error.message}${label}${help}`;
  };
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `${line}:${offset - before.lastIndexOf('\n')}`;
}
