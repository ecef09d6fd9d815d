#!/usr/bin/env bash
# Typechecks sst.config.ts against SST's own platform types, which `sst install` writes
# into .sst/platform from the sst binary (an npm package) and the npm registry. The
# variables skip the Pulumi and Bun downloads from GitHub: `sst deploy` needs those, a
# typecheck does not.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -f .sst/platform/config.d.ts ]; then
  SST_SKIP_DEPENDENCY_CHECK=1 SST_NO_BUN=1 SST_TELEMETRY_DISABLED=1 npx sst install --stage dev > /dev/null
fi
npx tsc -p tsconfig.sst.json
echo "sst.config.ts typechecks against SST's platform types"
