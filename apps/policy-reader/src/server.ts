import { defineServer } from '@gmcp/mcp-kit';
import { PolicyReaderEnv } from './config';
import { CLEARANCE_SCOPES } from './policies/clearance';
import { createPolicyLibrary } from './policies/policy-library';
import { policyStoreFrom } from './policy-store';
import { wordNetExpansions } from './policies/vocabulary-bridge';
import { policyReaderTools } from './tools';

/** The policy reader, as config/servers.json registers it: its local start and Lambda entry derive from this. */
export const policyReaderServer = defineServer({
  name: 'policy-reader',
  version: '0.2.0',
  instructions:
    'Read-only access to company policies. Search with search_policies, read with get_policy, browse with list_policies. ' +
    'Cite the document id and section of every policy you quote.',
  access: 'read',
  env: PolicyReaderEnv,
  tools: policyReaderTools,
  additionalScopes: CLEARANCE_SCOPES,
  deps(env, { logger }) {
    // A local folder has WordNet at hand; a bucket's servers take the expansions from its prebuilt index.
    const bridge = env.POLICY_SOURCE === 'folder' ? { bridge: wordNetExpansions } : {};
    const library = createPolicyLibrary(policyStoreFrom(env), { refreshMs: env.POLICY_REFRESH_SECONDS * 1000, logger, ...bridge });
    return { library: () => library.current() };
  },
  // The index is loaded (or built) before the first call, not by it.
  warmUp: async (deps) => void (await deps.library()),
});
