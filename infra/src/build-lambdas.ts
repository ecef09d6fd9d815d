import { bundleService } from './bundle';
import { SERVICE_NAMES } from './stage-config';

/** `npm run build:lambda`: bundles every service (what `npm run deploy` ships). */
async function main() {
  for (const service of SERVICE_NAMES) {
    const { file, bytes } = await bundleService(service);
    console.log(`${service.padEnd(14)} ${(bytes / 1024).toFixed(0).padStart(6)} KiB  ${file}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
