/// <reference path="./.sst/platform/config.d.ts" />
/**
 * SST entry point, thin on purpose: every decision (names, IAM statements, routes,
 * environment, tables, alarms, edge rules) is made by `infra/src/deployment.ts`, plain
 * TypeScript with unit tests; the small functions in `infra/sst/` turn the plan into SST and
 * Pulumi components, one per resource kind. Deploy with `npm run deploy -- --stage <stage>
 * [--service <name>]` (docs/deploy.md), which builds the Lambda bundles; this file ships them
 * as they are, and refuses ones that are missing or older than their sources.
 */
export default $config({
  async app(input) {
    // SST evaluates a bundled copy of this file from .sst/: paths are given from the project root.
    const { loadStageConfig } = await import('./infra/src/stage-config');
    const config = loadStageConfig(input?.stage ?? '', `${process.cwd()}/infra/stages`);
    return {
      name: 'governed-mcp',
      home: 'aws',
      removal: config.retain ? 'retain' : 'remove',
      protect: config.retain,
      providers: { aws: { version: '7.20.0', region: config.region as aws.Region }, random: '4.18.3' },
    };
  },

  async run() {
    const { deploymentPlan } = await import('./infra/src/deployment');
    const { assertBundlesCurrent } = await import('./infra/src/bundle-manifest');
    const { dynamoTables, encryptedBucket } = await import('./infra/sst/storage');
    const { opsDatabase, migrationStep } = await import('./infra/sst/database');
    const { notificationTopics } = await import('./infra/sst/alarms');
    const { stageEdge } = await import('./infra/sst/edge');
    const { mcpService } = await import('./infra/sst/services');
    const { auditDigests } = await import('./infra/sst/audit-digests');
    const { approvalWorkflow } = await import('./infra/sst/approvals');
    const { consoleApi, consoleFunction } = await import('./infra/sst/console');

    const plan = deploymentPlan($app.stage, process.cwd());
    assertBundlesCurrent(process.cwd());
    const caller = await aws.getCallerIdentity({});
    if (caller.accountId !== plan.config.account) {
      throw new Error(`Stage ${plan.config.stage} belongs to account ${plan.config.account}, but these credentials are for ${caller.accountId}`);
    }

    const tables = dynamoTables(plan);
    const policyBucket = encryptedBucket('PolicyBucket', plan.names.policyBucket, plan);
    const { database, loginSecrets } = opsDatabase(plan);
    migrationStep(plan, database, loginSecrets);
    const { alarmTopic } = notificationTopics(plan);
    const edge = stageEdge(plan);

    // The console's API first: the writer links to it; its function last: it calls the writer.
    const consoleHttp = consoleApi(plan);
    const urls: Record<string, $util.Output<string>> = {};
    const functionsByName: Record<string, sst.aws.Function> = {};
    for (const service of plan.services) {
      const deployed = mcpService(plan, service, { alarmTopic, edge, loginSecrets, consoleUrl: consoleHttp.url });
      urls[service.service] = deployed.url;
      Object.assign(functionsByName, deployed.functions);
    }
    const { bucket: digestBucket, key: digestKey } = auditDigests(plan, alarmTopic);
    approvalWorkflow(plan, functionsByName);
    consoleFunction(plan, consoleHttp, urls[plan.console.writer]!, digestKey.arn);

    return {
      ...urls,
      console: consoleHttp.url,
      consoleCallback: $interpolate`${consoleHttp.url}/callback`,
      policyBucket: policyBucket.name,
      approvalStateMachine: plan.stateMachine.arn,
      auditTable: tables.audit!.name,
      auditDigests: digestBucket.name,
      auditDigestPublicKey: $interpolate`s3://${digestBucket.name}/public-key.pem`,
    };
  },
});
