import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import {
  cedarSchemaOf,
  createToolSet,
  servedTools,
  validateCallPolicies,
  VALIDATED_CALL_POLICIES_FILE,
  type CedarSchemaJson,
  type RegisteredTool,
} from '@gmcp/mcp-kit/platform';
import { SERVER_MODULES } from './server-modules';
import type { ServerName } from './servers';

/** Where the shipped call policies are: the stages' `governanceDir` (a stage that points elsewhere validates its own at start). */
export const SHIPPED_GOVERNANCE_DIR = 'config/governance';

/** A server's tools as it serves them (with get_request_status beside high-risk ones). */
export function servedToolSet(server: ServerName): ReadonlyMap<string, RegisteredTool> {
  const module = SERVER_MODULES[server];
  return createToolSet(servedTools(module.tools), { serverAccess: module.access }) as ReadonlyMap<string, RegisteredTool>;
}

/** The Cedar schema a server validates its call policies against, generated from its tools. */
export function callPolicySchemaOf(server: ServerName): CedarSchemaJson {
  return cedarSchemaOf([...servedToolSet(server).values()].map((tool) => tool.definition) as never);
}

/** Whether the server runs approvals: one of its tools is high-risk. */
export function servesApprovals(server: ServerName): boolean {
  return [...servedToolSet(server).values()].some((tool) => tool.definition.risk === 'high');
}

/**
 * Validates a server's shipped call policies against its tools and writes what validation found
 * beside its bundle, so that its cold start does not validate the same text again (the function
 * checks the fingerprint; any other text is validated there). Invalid policies fail the build.
 * Returns the policy file (from `root`), an input of the bundle, or undefined when there is none.
 */
export async function writeValidatedCallPolicies(root: string, outdir: string, server: ServerName): Promise<string | undefined> {
  const file = resolve(root, SHIPPED_GOVERNANCE_DIR, `${server}.cedar`);
  if (!existsSync(file)) return undefined;
  const validated = await validateCallPolicies(readFileSync(file, 'utf8'), callPolicySchemaOf(server), { source: relative(root, file), approvals: servesApprovals(server) });
  writeFileSync(resolve(outdir, VALIDATED_CALL_POLICIES_FILE), `${JSON.stringify(validated)}\n`);
  return relative(root, file);
}
