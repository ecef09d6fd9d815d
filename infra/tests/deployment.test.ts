import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseGovernancePolicy } from '@gmcp/mcp-kit/platform';
import { sstDeployArgs } from '../src/deploy-cli';
import { allAlarms, APPROVAL_BACKLOG_METRIC, auditDigestAlarm } from '../src/alarms';
import { APPROVAL_COMPONENTS, AUDIT_DIGEST_COMPONENTS, deploymentPlan, serviceTargets } from '../src/deployment';
import { SERVER_NAMES } from '../src/servers';
import { loadStageConfig } from '../src/stage-config';

/** sst.config.ts and the component functions it calls (infra/sst/), as one text. */
const SST_CONFIG = [resolve(__dirname, '..', '..', 'sst.config.ts'), ...readdirSync(resolve(__dirname, '..', 'sst')).map((file) => resolve(__dirname, '..', 'sst', file))]
  .map((file) => readFileSync(file, 'utf8'))
  .join('\n');

describe('deployment plan', () => {
  const production = deploymentPlan('production');
  const dev = deploymentPlan('dev');

  it('deploys each service as its own API with its own functions, roles and allowlist parameter', () => {
    expect(production.services.map((service) => service.service)).toEqual([...SERVER_NAMES]);
    const functionNames = production.services.flatMap((service) => service.functions.map((fn) => fn.name));
    expect(new Set(functionNames).size).toBe(functionNames.length);
    for (const service of production.services) {
      expect(service.apiName).toBe(`gmcp-production-${service.service}`);
      expect(service.functions.every((fn) => fn.bundle === `dist/lambda/${service.service}` && fn.handler === `index.${fn.handlerExport}`)).toBe(true);
      expect(parseGovernancePolicy(service.governance.value).tools.length).toBeGreaterThan(0);
      expect(service.governance.parameter).toBe(`/gmcp/production/${service.service}/governance`);
      // The call policies go beside the allowlist, as reviewed (a server without a policy file has none).
      const policyFile = resolve(__dirname, '../../config/governance', `${service.service}.cedar`);
      expect(service.callPolicies).toEqual(
        existsSync(policyFile) ? { parameter: `/gmcp/production/${service.service}/call-policies`, value: readFileSync(policyFile, 'utf8'), tier: 'Standard' } : undefined,
      );
    }
  });

  it('sizes each API function from the stage, and keeps the approval tasks small', () => {
    const writer = production.services.find((service) => service.service === 'ops-writer')!;
    expect(writer.functions.map((fn) => [fn.kind, fn.reservedConcurrency, fn.memoryMb])).toEqual([
      ['api', 20, 1024],
      ['approval-notifier', 10, 256],
      ['approval-executor', 10, 256],
      ['approval-backlog', 10, 256],
    ]);
  });

  it('retains and protects the stages whose file says so, and fronts production with the WAF', () => {
    expect([production.retained, dev.retained]).toEqual([true, false]);
    expect(production.edge?.secretParameter).toBe('/gmcp/production/edge/origin-secret');
    expect(production.edge?.sentSecret(` ${'n'.repeat(40)}\n${'o'.repeat(40)}`)).toBe('n'.repeat(40));
    expect(dev.edge).toBeUndefined();
    expect(production.operatorSecrets).toEqual([...SERVER_NAMES.map((service) => `/gmcp/production/${service}/audit/hmac-key`), '/gmcp/production/approvals/hmac-key', '/gmcp/production/console/client-secret', '/gmcp/production/edge/origin-secret']);
    expect([production.logRetention, dev.logRetention]).toEqual(['3 months', '1 month']);
  });

  it('reruns the migration step only when the migrations change', () => {
    expect(production.migration.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(deploymentPlan('production').migration.checksum).toBe(production.migration.checksum);
    expect(production.migration.environment({ adminSecretArn: 'a', readerSecretArn: 'r', writerSecretArn: 'w' })).toMatchObject({
      DATA_API_RESOURCE_ARN: 'arn:aws:rds:eu-west-1:222222222222:cluster:gmcp-production-ops',
      ADMIN_SECRET_ARN: 'a',
      READER_SECRET_ARN: 'r',
      WRITER_SECRET_ARN: 'w',
    });
  });

  it('gives the read and write servers different database logins and secrets', () => {
    const [reader, writer] = production.databaseLogins;
    expect(reader).toMatchObject({ service: 'ops-reader', secretName: 'gmcp-production/ops-reader/database' });
    expect(writer).toMatchObject({ service: 'ops-writer', secretName: 'gmcp-production/ops-writer/database' });
    expect(reader!.username).not.toBe(writer!.username);
  });

  it('digests the audit table on the stage schedule into its own bucket, signed by its KMS key', () => {
    const { auditDigests } = production;
    expect(auditDigests).toMatchObject({
      bucket: 'gmcp-production-audit-digests-222222222222',
      name: 'gmcp-production-audit-digest',
      keySpec: 'RSA_3072',
      bundle: 'dist/lambda/audit-digest',
      schedule: 'rate(60 minutes)',
      alarm: { name: 'gmcp-production-audit-digest-failing', dimensions: { FunctionName: 'gmcp-production-audit-digest' } },
    });
    // Production keeps every digest under S3 Object Lock in compliance mode; dev (torn down) does not lock.
    expect(auditDigests.objectLock).toEqual({ mode: 'COMPLIANCE', days: 400 });
    expect(deploymentPlan('dev', undefined, loadStageConfig('dev')).auditDigests.objectLock).toBeNull();
    const keyArn = 'arn:aws:kms:eu-west-1:222222222222:key/abc';
    expect(auditDigests.environment({ digestKeyArn: keyArn })).toMatchObject({ AUDIT_TABLE: 'gmcp-production-audit', AUDIT_DIGEST_BUCKET: auditDigests.bucket, AUDIT_DIGEST_KEY_ID: keyArn });
    // infra/sst/audit-digests.ts creates each of its components.
    const digestComponents = readFileSync(resolve(__dirname, '..', 'sst', 'audit-digests.ts'), 'utf8');
    for (const key of Object.keys(auditDigests.components)) expect(digestComponents).toContain(`components.${key}`);
  });

  it('stops a deployment whose allowlist file is broken', () => {
    expect(() => deploymentPlan('dev', resolve(__dirname, 'fixtures', 'broken-governance'), loadStageConfig('dev'))).toThrow(/config\/governance\/policy-reader\.json: governance policy is not valid JSON/);
  });
});

describe('deploying one service alone', () => {
  it('targets exactly that service’s components, and the writer’s approval workflow with the writer', () => {
    const production = loadStageConfig('production');
    expect(sstDeployArgs(production, [])).toEqual(['sst', 'deploy', '--stage', 'production']);
    const opsReader = sstDeployArgs(production, ['ops-reader']);
    expect(opsReader.slice(0, 5)).toEqual(['sst', 'deploy', '--stage', 'production', '--target']);
    expect(opsReader[5]!.split(',')).toEqual([
      'OpsReaderHttp',
      'OpsReaderThrottleFilter',
      ...['ToolDeniedSpike', 'AuditWriteFailures', 'RateLimited', 'AuthFailuresSpike', 'OutcomeRecordsLost', 'PolicyLoadFailures', 'PolicyExpired', '5xx', 'GatewayThrottled', 'Gateway4xx', 'ApiErrors', 'ApiThrottles'].map(
        (alarm) => `OpsReaderAlarmOpsReader${alarm}`,
      ),
      'OpsReaderGovernance',
      'OpsReaderCallPolicies', 'OpsReaderEdge', 'OpsReaderApiFn', 'OpsReaderApiRole', 'OpsReaderApiPolicy', 'OpsMigrateFn', 'OpsMigrateRole', 'OpsMigrateRolePolicy', 'OpsMigrateRun',
    ]);
    expect(sstDeployArgs(production, ['policy-reader']).at(-1)).not.toContain('OpsMigrate');
    expect(sstDeployArgs(production, ['ops-reader', 'ops-writer']).at(-1)!.match(/OpsMigrateRun/g)).toHaveLength(1);
    expect(serviceTargets('ops-writer', loadStageConfig('dev'))).toEqual(expect.arrayContaining(['OpsWriterApprovalExecutorFn', 'ApprovalWorkflow', 'ApprovalBacklogSchedule', 'OpsWriterAlarmApprovalBacklogAge']));
    expect(serviceTargets('ops-writer', loadStageConfig('dev'))).not.toContain('OpsWriterEdge');
    // The console alone: its API, function, role and sessions table.
    expect(sstDeployArgs(production, ['console']).at(-1)!.split(',')).toEqual(['ConsoleHttp', 'ConsoleFn', 'ConsoleRole', 'ConsoleRolePolicy', 'ConsoleSessionsTable']);
  });

  it('gives every component a logical name SST accepts (letters and digits, capitalised)', () => {
    for (const service of SERVER_NAMES) for (const name of serviceTargets(service, loadStageConfig('production'))) expect(name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
  });

  it('names components that sst.config.ts creates from the same plan', () => {
    for (const name of ['components.api', 'components.throttleFilter', 'components.alarm(alarm.key)', 'components.governance', 'components.callPolicies', 'components.edge', 'components.function(fn.kind)', 'components.role(fn.kind)', 'components.rolePolicy(fn.kind)', 'components.workflow', 'components.backlogSchedule', 'components.backlogFirstRun', 'components.firstRun', 'steps.function', 'steps.role', 'steps.rolePolicy', 'steps.run']) {
      expect(SST_CONFIG).toContain(name);
    }
  });
});

describe('a fresh stage stays quiet', () => {
  it('every alarm that counts missing data as breaching watches a function that runs once at the first deploy', () => {
    const config = loadStageConfig('production');
    const apiIds = Object.fromEntries(SERVER_NAMES.map((service) => [service, `api-${service}`])) as Record<(typeof SERVER_NAMES)[number], string>;
    const breaching = [...allAlarms(config, apiIds), auditDigestAlarm(config)].filter((alarm) => alarm.treatMissingData === 'breaching');
    expect(breaching.map((alarm) => alarm.metricName).sort()).toEqual([APPROVAL_BACKLOG_METRIC, 'Errors']);
    // The digest's and the backlog report's schedules are created with a first run (infra/sst/schedule.ts).
    expect(SST_CONFIG).toContain('new aws.lambda.Invocation(ids.firstRun');
    expect(SST_CONFIG).toContain('firstRun: components.firstRun');
    expect(SST_CONFIG).toContain('firstRun: components.backlogFirstRun');
    expect(AUDIT_DIGEST_COMPONENTS.firstRun).toBe('AuditDigestFirstRun');
    expect(APPROVAL_COMPONENTS.backlogFirstRun).toBe('ApprovalBacklogFirstRun');
  });
});
