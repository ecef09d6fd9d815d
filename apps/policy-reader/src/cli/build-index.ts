import { z } from 'zod';
import { createLogger, parseEnv } from '@gmcp/mcp-kit';
import { PolicyStoreEnvShape, requirePolicyBucket } from '../config';
import { INDEX_KEY } from '../policies/blob-store';
import { createPolicyLibrary } from '../policies/policy-library';
import { policyStoreFrom } from '../policy-store';
import { wordNetExpansions } from '../policies/vocabulary-bridge';

/**
 * `npm run policies:index`: reads every policy from the configured store and writes the
 * prebuilt index object next to them, so that a cold server loads one object instead of
 * every document. Uses the same variables as the server (POLICY_SOURCE, POLICY_BUCKET…).
 */
async function main(): Promise<void> {
  const env = parseEnv(z.object(PolicyStoreEnvShape).superRefine(requirePolicyBucket), process.env);
  const store = policyStoreFrom(env);
  const started = performance.now();
  const library = createPolicyLibrary(store, { refreshMs: 0, logger: createLogger('policies-index', 'WARN'), bridge: wordNetExpansions, strict: true });
  const index = await library.buildPrebuiltIndex();
  await store.write(INDEX_KEY, index);
  const size = (await library.current()).size;
  console.log(`Wrote ${INDEX_KEY} in ${store.description}: ${size} documents, ${(index.length / 1024).toFixed(0)} KiB, in ${(performance.now() - started).toFixed(0)} ms.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
