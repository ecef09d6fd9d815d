import { parseEnv, startService, type RunningService, type ServiceDefinition } from '@gmcp/mcp-kit';
import { PolicyReaderEnv } from './config';
import type { PolicyReaderDeps } from './deps';
import { createFolderBlobStore } from './policies/folder-blob-store';
import { loadPolicyLibrary, type PolicyLibrary } from './policies/policy-library';
import type { BlobStore } from './policies/blob-store';
import { searchPolicies } from './tools/search-policies';
import { CLEARANCE_SCOPES } from './policies/clearance';

export const POLICY_READER_NAME = 'policy-reader';
export const POLICY_READER_VERSION = '0.1.0';

export const policyReaderTools = [searchPolicies];

/** Loads the library once; a failed load is retried on the next call rather than cached. */
export function libraryFrom(store: BlobStore): PolicyReaderDeps['library'] {
  let loading: Promise<PolicyLibrary> | undefined;
  return () => {
    loading ??= loadPolicyLibrary(store).catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}

export function policyReaderDefinition(deps: PolicyReaderDeps): ServiceDefinition<PolicyReaderDeps> {
  return {
    name: POLICY_READER_NAME,
    version: POLICY_READER_VERSION,
    instructions: 'Read-only access to company policies. Cite the document id and section of every policy you quote.',
    access: 'read',
    tools: policyReaderTools,
    additionalScopes: CLEARANCE_SCOPES,
    deps,
  };
}

/** Starts the policy reader on the configuration in `envSource` (process.env by default). */
export async function startPolicyReader(
  envSource: Record<string, string | undefined> = process.env,
  overrides: Partial<PolicyReaderDeps> = {},
): Promise<RunningService> {
  const env = parseEnv(PolicyReaderEnv, envSource);
  const deps: PolicyReaderDeps = { library: libraryFrom(createFolderBlobStore(env.POLICY_CORPUS_DIR)), ...overrides };
  await deps.library();
  return startService(env, policyReaderDefinition(deps));
}
