import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BUNDLE_NAMES, BUNDLE_PATHS, type BundleName } from './deployment';

/** Written next to each bundle: every source file that went into it, with its hash. */
const MANIFEST = 'inputs.json';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Records the inputs esbuild reported for a bundle (paths from the repository root). */
export function writeBundleManifest(root: string, name: BundleName, inputs: readonly string[]): void {
  const files = Object.fromEntries([...inputs].sort().map((input) => [input, sha256(resolve(root, input))]));
  writeFileSync(resolve(root, BUNDLE_PATHS[name], MANIFEST), `${JSON.stringify({ files }, null, 1)}\n`);
}

/**
 * Why a bundle must not be deployed as it is: missing, or built from sources that have
 * changed since (a bare `sst deploy` ships the folders as they are, so a stale folder would
 * deploy old code silently). Undefined when it is current.
 */
export function staleBundle(root: string, name: BundleName): string | undefined {
  const manifest = resolve(root, BUNDLE_PATHS[name], MANIFEST);
  if (!existsSync(manifest)) return `${BUNDLE_PATHS[name]} has not been built`;
  const { files } = JSON.parse(readFileSync(manifest, 'utf8')) as { files: Record<string, string> };
  const changed = Object.entries(files).find(([path, hash]) => !existsSync(resolve(root, path)) || sha256(resolve(root, path)) !== hash);
  return changed ? `${BUNDLE_PATHS[name]} was built before ${changed[0]} changed` : undefined;
}

/** Stops a deployment whose bundles are missing or stale, naming them and the fix. */
export function assertBundlesCurrent(root: string, names: readonly BundleName[] = BUNDLE_NAMES): void {
  const problems = names.flatMap((name) => staleBundle(root, name) ?? []);
  if (problems.length) throw new Error(`Lambda bundles are not current: ${problems.join('; ')}. Run npm run build:lambda (npm run deploy does).`);
}
