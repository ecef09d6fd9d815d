/// <reference path="../../.sst/platform/config.d.ts" />

/** Runs a function on an EventBridge schedule. */
export function scheduled(fn: sst.aws.Function, expression: string, ids: { rule: string; target: string; invoke: string }): void {
  const rule = new aws.cloudwatch.EventRule(ids.rule, { scheduleExpression: expression });
  new aws.cloudwatch.EventTarget(ids.target, { rule: rule.name, arn: fn.arn });
  new aws.lambda.Permission(ids.invoke, { action: 'lambda:InvokeFunction', function: fn.name, principal: 'events.amazonaws.com', sourceArn: rule.arn });
}
