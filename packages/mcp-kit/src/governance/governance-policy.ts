import { z } from 'zod';

const Limit = z.object({
  requests: z.number().int().positive(),
  window_seconds: z.number().int().positive().max(86_400),
});
export type Limit = z.output<typeof Limit>;

/**
 * A server's governance configuration: which tools are allowed, and how often.
 * It lives outside the code (a local file, or an SSM parameter on AWS).
 */
export const GovernancePolicy = z.object({
  /**
   * The allowlist. A tool not named here is invisible and refused. `risk` can raise a tool's
   * declared risk for this deployment (never lower it): to `medium` (the user confirms) or
   * `high` (a human approves).
   */
  tools: z.array(
    z
      .object({
        name: z.string().min(1),
        risk: z.enum(['medium', 'high']).optional(),
        /** The definition this entry approved (`sha256:<hex>`, see definition-hash.ts): no pin, or another definition, no tool. */
        definition: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 hex digits> (npm run allowlist -- pin)').optional(),
      })
      .strict(),
  ),
  limits: z
    .object({
      /** Each actor, each tool. */
      per_actor_per_tool: Limit.optional(),
      /** All callers together, per server. */
      per_server: Limit.optional(),
      /** Overrides of per_actor_per_tool for single tools. */
      tools: z.record(z.string(), Limit).default({}),
      /** Tool calls in flight at once on one server instance. */
      max_concurrency: z.number().int().positive().optional(),
    })
    .strict()
    .default({ tools: {} }),
}).strict();
export type GovernancePolicy = z.output<typeof GovernancePolicy>;

/** Deny-all: what applies when no valid policy is available. */
export const DENY_ALL: GovernancePolicy = { tools: [], limits: { tools: {} } };

/** Parses policy text, naming the problem when it is not valid. */
export function parseGovernancePolicy(text: string): GovernancePolicy {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`governance policy is not valid JSON: ${(error as Error).message}`);
  }
  // Parsed once per TTL: compiling zod's fast path for it would cost a cold start more than it saves.
  const parsed = GovernancePolicy.safeParse(json, { jitless: true });
  if (!parsed.success) throw new Error(`governance policy is invalid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
