import { approvalTableDefinition, auditTableDefinition, METRIC } from '@gmcp/mcp-kit/platform';
import { allAlarms, gatewayThrottleFilter } from '../src/alarms';
import { COMMON_RULES_COUNT_ONLY, webAclRules } from '../src/edge';
import { functionsOf } from '../src/services';
import { approvalStateMachine } from '../src/state-machine';
import { tableSpecs } from '../src/tables';
import { SERVER_NAMES, type ServerName } from '../src/servers';
import { loadStageConfig } from '../src/stage-config';

const config = loadStageConfig('production');

describe('tables', () => {
  const tables = tableSpecs(config, true);

  it('deploys the keys and indexes the kit queries, from the kit’s own definitions', () => {
    expect(tables.audit).toMatchObject({ name: 'gmcp-production-audit', primaryIndex: { hashKey: 'pk', rangeKey: 'sk' } });
    expect(Object.keys(tables.audit.globalIndexes ?? {}).sort()).toEqual((auditTableDefinition('x').GlobalSecondaryIndexes ?? []).map((index) => index.IndexName).sort());
    expect(tables.approvals.globalIndexes).toEqual({
      by_status: { hashKey: 'status', rangeKey: 'requested_at', projection: 'all' },
      by_requester: { hashKey: 'requester', rangeKey: 'requested_at', projection: 'all' },
    });
    expect(Object.keys(tables.approvals.fields).sort()).toEqual((approvalTableDefinition('x').AttributeDefinitions ?? []).map((a) => a.AttributeName).sort());
  });

  it('protects the audit table in every stage, encrypts and backs up every table, expires rate-limit counters', () => {
    expect(tableSpecs(loadStageConfig('dev'), false).audit.deletionProtection).toBe(true);
    for (const table of Object.values(tables)) expect(table).toMatchObject({ kmsEncryption: true, pointInTimeRecovery: true });
    expect(tables.rateLimits.ttl).toBe('expires_at');
  });
});

describe('approval state machine', () => {
  const machine = approvalStateMachine(config);

  // The definition itself is validated with asl-validator in the kit's tests.
  it('is a Standard workflow that waits exactly the approval TTL and invokes the writer’s task functions', () => {
    expect(machine.type).toBe('STANDARD');
    const states = machine.definition.States as Record<string, { TimeoutSeconds?: number; Parameters?: { FunctionName?: string } }>;
    expect(states.AwaitDecision!.TimeoutSeconds).toBe(config.approvals.ttlSeconds);
    expect(states.AwaitDecision!.Parameters!.FunctionName).toBe('arn:aws:lambda:eu-west-1:222222222222:function:gmcp-production-ops-writer-approval-notifier');
    expect(states.Execute!.Parameters!.FunctionName).toBe('arn:aws:lambda:eu-west-1:222222222222:function:gmcp-production-ops-writer-approval-executor');
  });
});

describe('alarms', () => {
  const apiIds = Object.fromEntries(SERVER_NAMES.map((service, index) => [service, `api${index + 1}`])) as Record<ServerName, string>;
  const alarms = allAlarms(config, apiIds);

  it('watch each service for denial spikes, audit write failures, 429s and 5xx, and each function for errors and throttles', () => {
    for (const service of SERVER_NAMES) {
      const mine = alarms.filter((alarm) => alarm.name.startsWith(`gmcp-production-${service}-`));
      expect(mine.map((alarm) => alarm.metricName)).toEqual(
        expect.arrayContaining([METRIC.toolDenied, METRIC.auditWriteFailures, METRIC.rateLimited, METRIC.authFailures, METRIC.outcomeNotRecorded, METRIC.policyLoadFailures, METRIC.policyExpired, '5xx', '4xx', `${service}-throttled`]),
      );
      for (const fn of functionsOf(service)) {
        expect(alarms.filter((alarm) => alarm.dimensions.FunctionName === `gmcp-production-${service}-${fn.kind}`).map((alarm) => alarm.metricName).sort()).toEqual(['Errors', 'Throttles']);
      }
    }
  });

  it('alarm on an audit write failure at once, and on the approval backlog before requests expire (or when its report stops)', () => {
    expect(alarms.find((alarm) => alarm.name === 'gmcp-production-ops-writer-audit-write-failures')).toMatchObject({ threshold: 1, periodSeconds: 60 });
    expect(alarms.find((alarm) => alarm.name === 'gmcp-production-approval-backlog-age')).toMatchObject({
      metricName: 'ApprovalBacklogAgeSeconds',
      dimensions: { service: 'ops-writer' },
      threshold: config.approvals.ttlSeconds / 2,
      treatMissingData: 'breaching',
    });
  });

  it('count the gateway’s own 429s from its access log (those no function answered)', () => {
    expect(gatewayThrottleFilter('ops-writer')).toEqual({ pattern: '{ $.status = 429 && $.integrationStatus = "-" }', namespace: 'GovernedMcp/Gateway', metricName: 'ops-writer-throttled' });
    expect(alarms.find((alarm) => alarm.name === 'gmcp-production-ops-writer-gateway-throttled')).toMatchObject({ namespace: 'GovernedMcp/Gateway', metricName: 'ops-writer-throttled', dimensions: {} });
  });

  it('have keys without the stage, the same in every stage', () => {
    const dev = allAlarms(loadStageConfig('dev'), apiIds).map((alarm) => alarm.key);
    expect(alarms.map((alarm) => alarm.key)).toEqual(dev);
    expect(dev).toContain('ops-writer-approval-executor-errors');
    expect(dev).toContain('approval-backlog-age');
  });

  it('have unique names that fit CloudWatch (255 characters)', () => {
    const names = alarms.map((alarm) => alarm.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.every((name) => name.length <= 255)).toBe(true);
  });
});

describe('edge protection', () => {
  it('uses AWS managed rule groups and a per-address rate limit from the stage', () => {
    expect(webAclRules(config)).toEqual([
      { name: 'AWSManagedRulesAmazonIpReputationList', priority: 1, kind: { managedRuleGroup: 'AWSManagedRulesAmazonIpReputationList', countOnly: [] } },
      { name: 'AWSManagedRulesCommonRuleSet', priority: 2, kind: { managedRuleGroup: 'AWSManagedRulesCommonRuleSet', countOnly: expect.arrayContaining(['SizeRestrictions_BODY', 'CrossSiteScripting_BODY']) } },
      { name: 'AWSManagedRulesKnownBadInputsRuleSet', priority: 3, kind: { managedRuleGroup: 'AWSManagedRulesKnownBadInputsRuleSet', countOnly: [] } },
      { name: 'RatePerClientIp', priority: 4, kind: { rateLimitPer5Minutes: 2000 } },
    ]);
  });

  it('lets ordinary MCP bodies through: large JSON-RPC calls and text about markup or paths only count', () => {
    expect(COMMON_RULES_COUNT_ONLY).toEqual(expect.arrayContaining(['SizeRestrictions_BODY', 'CrossSiteScripting_BODY', 'GenericLFI_BODY', 'EC2MetaDataSSRF_BODY']));
  });
});
