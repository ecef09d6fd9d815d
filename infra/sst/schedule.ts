/// <reference path="../../.sst/platform/config.d.ts" />

/**
 * Runs a function on an EventBridge schedule, and once when the stage is first deployed
 * (`firstRun`): an alarm that counts missed runs as breaching then has its first data point at
 * once, instead of paging for the first periods of a fresh stage. A run that fails fails the deploy.
 */
export function scheduled(fn: sst.aws.Function, expression: string, ids: { rule: string; target: string; invoke: string; firstRun: string }, firstRunEvent: object): void {
  const rule = new aws.cloudwatch.EventRule(ids.rule, { scheduleExpression: expression });
  new aws.cloudwatch.EventTarget(ids.target, { rule: rule.name, arn: fn.arn });
  new aws.lambda.Permission(ids.invoke, { action: 'lambda:InvokeFunction', function: fn.name, principal: 'events.amazonaws.com', sourceArn: rule.arn });
  // No triggers: created (so run) once; later deploys leave it to the schedule.
  new aws.lambda.Invocation(ids.firstRun, { functionName: fn.name, input: JSON.stringify(firstRunEvent) }, { dependsOn: [fn] });
}
