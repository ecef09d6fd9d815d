/// <reference path="../../.sst/platform/config.d.ts" />
import type { DeploymentPlan } from '../src/deployment';
import { concurrencySettings } from '../src/services';

/** The tested plan (infra/src/deployment.ts) the component functions map to SST and Pulumi components. */
export type Plan = DeploymentPlan;

/** A CloudWatch alarm as the plan describes it. */
export interface PlannedAlarm {
  name: string;
  description: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, $util.Input<string>>;
  statistic: string;
  periodSeconds: number;
  evaluationPeriods: number;
  threshold: number;
  comparisonOperator: string;
  treatMissingData: string;
}

/** What every function shares: the Lambda runtime the platform targets, on Graviton, JSON logs kept as long as the stage says. */
export function functionDefaults(plan: Plan) {
  return { runtime: 'nodejs22.x', architecture: 'arm64', logging: { retention: plan.logRetention, format: 'json' } } as const;
}

/** A planned function's own settings as SST takes them: the defaults, its bundle, handler, size, concurrency (`concurrencySettings`) and name. */
export function plannedFunction(plan: Plan, fn: { bundle: string; handler: string; memoryMb: number; timeoutSeconds: number; reservedConcurrency: number; provisionedConcurrency?: number; name: string }) {
  return {
    ...functionDefaults(plan),
    bundle: fn.bundle,
    handler: fn.handler,
    memory: `${fn.memoryMb} MB` as const,
    timeout: `${fn.timeoutSeconds} seconds` as const,
    ...concurrencySettings({ reservedConcurrency: fn.reservedConcurrency, provisionedConcurrency: fn.provisionedConcurrency ?? 0 }),
    name: fn.name,
  };
}

/**
 * The ARN a route invokes: with provisioned concurrency, the published version that holds it
 * (the function's own ARN is `$LATEST`, which has none, and calls sent there would all start cold).
 */
export function invokedArn(fn: sst.aws.Function, planned: { provisionedConcurrency?: number }): $util.Output<string> {
  return (planned.provisionedConcurrency ?? 0) > 0 ? fn.nodes.function.qualifiedArn : fn.arn;
}
