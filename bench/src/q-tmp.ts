import { createLogger } from '@gmcp/mcp-kit';
import { readFileSync } from 'node:fs';
import { createFolderBlobStore, createPolicyLibrary, DEFAULT_CORPUS_DIR, wordNetExpansions } from '@gmcp/policy-reader';
(async () => {
  if (process.argv[2] === 'build') {
    const text = await createPolicyLibrary(createFolderBlobStore(DEFAULT_CORPUS_DIR), { refreshMs: 0, logger: createLogger('q', 'SILENT'), bridge: wordNetExpansions }).buildPrebuiltIndex();
    require('node:fs').writeFileSync('/tmp/prebuilt.json', text);
    return;
  }
  const text = readFileSync('/tmp/prebuilt.json', 'utf8');
  const store = { ...createFolderBlobStore(DEFAULT_CORPUS_DIR), readOptional: async (key: string) => (key.startsWith('_index') ? text : undefined) };
  const t = performance.now();
  const lib = await createPolicyLibrary(store, { refreshMs: 3_600_000, logger: createLogger('q', 'SILENT') }).current();
  const loaded = performance.now() - t;
  const t2 = performance.now();
  lib.search({ query: 'hotel nightly rate', clearance: 'internal', offset: 0, limit: 10 });
  console.log('load', loaded.toFixed(1), 'first search', (performance.now() - t2).toFixed(1));
})();
