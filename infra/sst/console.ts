/// <reference path="../../.sst/platform/config.d.ts" />
import { lambdaRole } from './iam';
import { plannedFunction, type Plan } from './plan';

/** The console's HTTP API, made first: the writer's notifications and confirmation links need its URL. */
export function consoleApi(plan: Plan): sst.aws.ApiGatewayV2 {
  return new sst.aws.ApiGatewayV2(plan.console.components.api, {
    cors: false,
    accessLog: { retention: plan.logRetention },
    transform: {
      api: (args) => void (args.name = plan.console.apiName),
      stage: (args) => void (args.defaultRouteSettings = { throttlingRateLimit: plan.console.throttle.ratePerSecond, throttlingBurstLimit: plan.console.throttle.burst }),
    },
  });
}

/** The console's function, with its own role, behind its declared routes (no gateway authorizer: it signs people in itself). */
export function consoleFunction(plan: Plan, api: sst.aws.ApiGatewayV2, writerUrl: $util.Output<string>, digestKeyArn: $util.Output<string>): sst.aws.Function {
  const spec = plan.console;
  const { role, policy } = lambdaRole(spec.components.role, spec.name, digestKeyArn.apply((arn) => spec.policy({ digestKeyArn: arn })), spec.components.rolePolicy);
  const fn = new sst.aws.Function(
    spec.components.function,
    {
      ...plannedFunction(plan, spec),
      description: 'The approvals console: approvers decide, requesters confirm, auditors read the trail',
      role: role.arn,
      environment: $resolve([api.url, writerUrl, digestKeyArn]).apply(([publicUrl, writer, digestKey]) => spec.environment({ publicUrl, writerUrl: writer, digestKeyArn: digestKey })),
    },
    { dependsOn: [policy] },
  );
  for (const route of spec.routes) api.route(route.route, fn.arn);
  return fn;
}
