/// <reference path="./.sst/platform/config.d.ts" />
/**
 * SST entry point, kept thin on purpose. The deployment issue adds each service's
 * Lambda, HTTP API route with its JWT authorizer, IAM role and data stores; their
 * IAM statements, routes and environment will come from plain, unit-tested
 * TypeScript in infra/ that this file only wires into SST components.
 */
export default $config({
  app(input) {
    return {
      name: 'governed-mcp',
      home: 'aws',
      removal: input?.stage === 'production' ? 'retain' : 'remove',
      protect: input?.stage === 'production',
    };
  },
  async run() {
    return {};
  },
});
