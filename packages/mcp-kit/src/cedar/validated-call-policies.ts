import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { REQUIREMENTS, type PolicyMeta } from './policy-annotations';
import type { CedarSchemaJson } from './cedar-schema';

/** The file beside a Lambda bundle that holds its call policies as validated at build. */
export const VALIDATED_CALL_POLICIES_FILE = 'call-policies.validated.json';

const StoredMeta = z.strictObject({
  id: z.string().min(1),
  effect: z.enum(['permit', 'forbid']),
  tools: z.array(z.string()).optional(),
  requires: z.enum(REQUIREMENTS).optional(),
  description: z.string().optional(),
  confidential: z.boolean(),
});

const ValidatedCallPoliciesSchema = z.strictObject({
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  policies: z.array(z.string()),
  metas: z.array(StoredMeta),
});

/**
 * What validating a policy text against a schema found, kept so that a cold start need not
 * validate the same text again (Cedar's validator is most of a cold start's policy work).
 */
export type ValidatedCallPolicies = z.infer<typeof ValidatedCallPoliciesSchema>;

/** Binds a validation to the exact text, schema and approval setting it was made for. */
export function callPolicyFingerprint(text: string, schema: CedarSchemaJson, approvals: boolean): string {
  return createHash('sha256').update(JSON.stringify({ schema, approvals })).update('\n').update(text).digest('hex');
}

export const toStoredMeta = (meta: PolicyMeta): z.infer<typeof StoredMeta> => ({
  id: meta.id,
  effect: meta.effect,
  ...(meta.tools ? { tools: [...meta.tools] } : {}),
  ...(meta.requires ? { requires: meta.requires } : {}),
  ...(meta.description !== undefined ? { description: meta.description } : {}),
  confidential: meta.confidential,
});

export const fromStoredMeta = ({ tools, ...meta }: z.infer<typeof StoredMeta>): PolicyMeta => ({ ...meta, ...(tools ? { tools: new Set(tools) } : {}) });

/**
 * Reads the validated policies beside a bundle: undefined when there are none or the file does
 * not parse (the policies are then validated at start, as they would be without it).
 */
export function readValidatedCallPolicies(path: string): ValidatedCallPolicies | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    // Parsed once per process: compiling zod's fast path for it would cost more than it saves.
    const parsed = ValidatedCallPoliciesSchema.safeParse(JSON.parse(text), { jitless: true });
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
