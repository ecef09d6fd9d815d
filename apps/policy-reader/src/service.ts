import { createLogger, defineServer, startPrepared, type PreparedService, type RunningService, type ServiceDefinition } from '@gmcp/mcp-kit';
import { parsePolicyReaderEnv } from './config';
import type { PolicyReaderDeps } from './deps';
import { createPolicyLibrary } from './policies/policy-library';
import { CLEARANCE_SCOPES } from './policies/clearance';
import { policyStoreFrom } from './policy-store';
import { policyReaderTools } from './tools';

export const POLICY_READER_NAME = 'policy-reader';
export const POLICY_READER_VERSION = '0.2.0';

export { policyReaderTools };

export function policyReaderDefinition(deps: PolicyReaderDeps): ServiceDefinition<PolicyReaderDeps> {
  return {
    name: POLICY_READER_NAME,
    version: POLICY_READER_VERSION,
    instructions:
      'Read-only access to company policies. Search with search_policies, read with get_policy, browse with list_policies. ' +
      'Cite the document id and section of every policy you quote.',
    access: 'read',
    tools: policyReaderTools,
    additionalScopes: CLEARANCE_SCOPES,
    deps,
  };
}

/** The policy reader on the configuration in `envSource`, its index loaded (local start and Lambda). */
export async function preparePolicyReader(
  envSource: Record<string, string | undefined>,
  overrides: Partial<PolicyReaderDeps> = {},
): Promise<PreparedService<PolicyReaderDeps>> {
  const env = parsePolicyReaderEnv(envSource);
  const logger = createLogger(POLICY_READER_NAME, env.LOG_LEVEL);
  const library = createPolicyLibrary(policyStoreFrom(env), { refreshMs: env.POLICY_REFRESH_SECONDS * 1000, logger });
  const deps: PolicyReaderDeps = { library: () => library.current(), ...overrides };
  await deps.library();
  return { env, definition: { ...policyReaderDefinition(deps), logger }, close: async () => undefined };
}

/** The policy reader as the platform registers it (config/servers.json). */
export const policyReaderServer = defineServer({ name: POLICY_READER_NAME, access: 'read', tools: policyReaderTools, additionalScopes: CLEARANCE_SCOPES, parseEnv: parsePolicyReaderEnv, prepare: (env) => preparePolicyReader(env) });

/** Starts the policy reader on the configuration in `envSource` (process.env by default); tests may replace its adapters. */
export async function startPolicyReader(
  envSource: Record<string, string | undefined> = process.env,
  overrides: Partial<PolicyReaderDeps> = {},
): Promise<RunningService> {
  return startPrepared(await preparePolicyReader(envSource, overrides));
}
