import { bundleLambda } from './bundle';
import { BUNDLE_NAMES } from './deployment';

/** `npm run build:lambda`: bundles every Lambda function's code (what `npm run deploy` ships). */
async function main() {
  for (const name of BUNDLE_NAMES) {
    const { file, bytes } = await bundleLambda(name);
    console.log(`${name.padEnd(14)} ${(bytes / 1024).toFixed(0).padStart(6)} KiB  ${file}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
