import { resolve } from 'node:path';
import { build } from 'esbuild';

const REPO_ROOT = resolve(__dirname, '../../..');
export const VERIFIER_BUNDLE = resolve(REPO_ROOT, 'dist', 'audit-verifier', 'audit-verifier.mjs');

/** Bundles the standalone export verifier into one dependency-free file. */
export async function buildVerifier(outfile: string = VERIFIER_BUNDLE): Promise<string> {
  await build({
    entryPoints: [resolve(__dirname, 'standalone-verifier.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
  });
  return outfile;
}

if (require.main === module) {
  buildVerifier().then(
    (file) => console.log(`Standalone verifier: ${file}\nRun: node ${file} <export.jsonl> <public-key.pem>`),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
