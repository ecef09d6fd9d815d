import { DEFAULT_METRICS_NAMESPACE, METRIC } from '@gmcp/mcp-kit/platform';
import { resourceNames } from './names';
import { functionsOf } from './services';
import { SERVER_NAMES, serverUses, type ServerName } from './servers';
import type { StageConfig } from './stage-config';

/** A CloudWatch alarm, in the terms of `aws.cloudwatch.MetricAlarm`; every alarm notifies the stage's alarm topic. */
/** `Id` is the type of the API id: a string in tests, a deployment output in sst.config.ts. */
export interface AlarmSpec<Id = string> {
  name: string;
  /** The name without the stage prefix: the same in every stage (it names the alarm's component). */
  key: string;
  description: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string | Id>;
  statistic: 'Sum' | 'Maximum';
  periodSeconds: number;
  evaluationPeriods: number;
  threshold: number;
  comparisonOperator: 'GreaterThanOrEqualToThreshold';
  treatMissingData: 'notBreaching' | 'breaching';
}

export const KIT_NAMESPACE = DEFAULT_METRICS_NAMESPACE;
/** Metrics counted from the APIs' access logs. */
export const GATEWAY_NAMESPACE = 'GovernedMcp/Gateway';

/**
 * The gateway's own 429s (its stage throttle), which never reach the function: counted from
 * the API's access log, where they are the 429s without an integration status.
 */
export function gatewayThrottleFilter(service: ServerName) {
  return { pattern: '{ $.status = 429 && $.integrationStatus = "-" }', namespace: GATEWAY_NAMESPACE, metricName: `${service}-throttled` };
}
/** The kit's approval backlog metric (oldest pending request, seconds), emitted by the writer's backlog task. */
export const APPROVAL_BACKLOG_METRIC = 'ApprovalBacklogAgeSeconds';

const alarm = <Id>(spec: Omit<AlarmSpec<Id>, 'comparisonOperator' | 'treatMissingData' | 'evaluationPeriods' | 'key'> & Partial<AlarmSpec<Id>>): AlarmSpec<Id> => ({
  key: spec.name.replace(new RegExp(`^gmcp-[a-z0-9-]+?-(?=${[...SERVER_NAMES, 'approval-backlog'].join('|')})`), ''),
  comparisonOperator: 'GreaterThanOrEqualToThreshold',
  treatMissingData: 'notBreaching',
  evaluationPeriods: 1,
  ...spec,
});

/**
 * The alarms of one service. Kit metrics (EMF) carry a `service`-only dimension set for
 * exactly this purpose; API Gateway's come per API and stage; Lambda's per function.
 */
export function serviceAlarms<Id = string>(config: StageConfig, service: ServerName, apiId: Id): AlarmSpec<Id>[] {
  const names = resourceNames(config);
  const prefix = `${names.prefix}-${service}`;
  const kit = (metricName: string) => ({ namespace: KIT_NAMESPACE, metricName, dimensions: { service } });
  return [
    alarm<Id>({ name: `${prefix}-tool-denied-spike`, description: `${service}: many refused tool calls (allowlist, scope, definition) — probing or a broken client`, ...kit(METRIC.toolDenied), statistic: 'Sum', periodSeconds: 300, threshold: 25 }),
    alarm<Id>({ name: `${prefix}-audit-write-failures`, description: `${service}: audit records could not be written; calls are failing closed`, ...kit(METRIC.auditWriteFailures), statistic: 'Sum', periodSeconds: 60, threshold: 1 }),
    alarm<Id>({ name: `${prefix}-rate-limited`, description: `${service}: callers are getting 429s from the kit's rate limits`, ...kit(METRIC.rateLimited), statistic: 'Sum', periodSeconds: 300, threshold: 50 }),
    alarm<Id>({ name: `${prefix}-auth-failures-spike`, description: `${service}: many refused tokens (expired, forged, for another server); token-less calls, where sign-ins start, are not counted`, ...kit(METRIC.authFailures), statistic: 'Sum', periodSeconds: 300, threshold: 25 }),
    alarm<Id>({ name: `${prefix}-outcome-records-lost`, description: `${service}: a call ran but its outcome record could not be written`, ...kit(METRIC.outcomeNotRecorded), statistic: 'Sum', periodSeconds: 300, threshold: 1 }),
    alarm<Id>({ name: `${prefix}-policy-load-failures`, description: `${service}: the allowlist could not be read (a new function that never read it denies every tool)`, ...kit(METRIC.policyLoadFailures), statistic: 'Sum', periodSeconds: 300, threshold: 3 }),
    alarm<Id>({ name: `${prefix}-policy-expired`, description: `${service}: the allowlist could not be re-read past its maximum staleness; every tool is denied`, ...kit(METRIC.policyExpired), statistic: 'Sum', periodSeconds: 60, threshold: 1 }),
    alarm<Id>({ name: `${prefix}-5xx`, description: `${service}: the API answers 5xx`, namespace: 'AWS/ApiGateway', metricName: '5xx', dimensions: { ApiId: apiId, Stage: '$default' }, statistic: 'Sum', periodSeconds: 300, threshold: 5 }),
    alarm<Id>({ name: `${prefix}-gateway-throttled`, description: `${service}: the gateway's throttle answers 429 (its rate or burst is reached)`, namespace: GATEWAY_NAMESPACE, metricName: gatewayThrottleFilter(service).metricName, dimensions: {}, statistic: 'Sum', periodSeconds: 300, threshold: 10 }),
    alarm<Id>({ name: `${prefix}-gateway-4xx`, description: `${service}: many requests answered 4xx (401/403 from the function or the approval API's authorizer, and the gateway throttle's 429s)`, namespace: 'AWS/ApiGateway', metricName: '4xx', dimensions: { ApiId: apiId, Stage: '$default' }, statistic: 'Sum', periodSeconds: 300, threshold: 200 }),
    ...functionsOf(service).flatMap((fn) => {
      const FunctionName = names.function(service, fn.kind);
      return [
        alarm<Id>({ name: `${FunctionName}-errors`, description: `${FunctionName}: invocations failed`, namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName }, statistic: 'Sum', periodSeconds: 300, threshold: 1 }),
        alarm<Id>({ name: `${FunctionName}-throttles`, description: `${FunctionName}: reserved concurrency reached`, namespace: 'AWS/Lambda', metricName: 'Throttles', dimensions: { FunctionName }, statistic: 'Sum', periodSeconds: 300, threshold: 1 }),
      ];
    }),
    ...(serverUses(service, 'approvals') ? approvalAlarms<Id>(config, service) : []),
  ];
}

/** Requests waiting longer than half their decision window; a silent backlog task counts as breaching. */
function approvalAlarms<Id>(config: StageConfig, service: ServerName): AlarmSpec<Id>[] {
  const names = resourceNames(config);
  return [
    alarm<Id>({
      name: `${names.prefix}-approval-backlog-age`,
      description: `${service}: the oldest pending approval has waited over half its window (or the backlog task stopped reporting)`,
      namespace: KIT_NAMESPACE,
      metricName: APPROVAL_BACKLOG_METRIC,
      dimensions: { service },
      statistic: 'Maximum',
      periodSeconds: 300,
      evaluationPeriods: 2,
      threshold: Math.floor(config.approvals.ttlSeconds / 2),
      treatMissingData: 'breaching',
    }),
  ];
}

/** The scheduled digest failing, or not running (two silent periods): deletions would go unnoticed. */
export function auditDigestAlarm(config: StageConfig): AlarmSpec {
  const FunctionName = resourceNames(config).digestFunction;
  return alarm({
    name: `${FunctionName}-failing`,
    description: 'audit digest: the scheduled digest failed or did not run; deletions of audit records would go unnoticed until it runs again',
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensions: { FunctionName },
    statistic: 'Sum',
    periodSeconds: Math.max(300, config.auditDigests.scheduleMinutes * 60),
    threshold: 1,
    // Errors has a data point (0) for every period with a run: two periods without one are a missed schedule.
    evaluationPeriods: 2,
    treatMissingData: 'breaching',
  });
}

export function allAlarms(config: StageConfig, apiIds: Record<ServerName, string>): AlarmSpec[] {
  return SERVER_NAMES.flatMap((service) => serviceAlarms(config, service, apiIds[service]));
}
