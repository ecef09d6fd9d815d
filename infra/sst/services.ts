/// <reference path="../../.sst/platform/config.d.ts" />
import { metricAlarm } from './alarms';
import type { LoginSecret } from './database';
import { edgeDistribution, type Edge } from './edge';
import { lambdaRole } from './iam';
import { invokedArn, plannedFunction, type Plan } from './plan';

type ServicePlan = Plan['services'][number];

export interface StageResources {
  alarmTopic: aws.sns.Topic;
  edge?: Edge;
  loginSecrets: Record<string, LoginSecret>;
  /** The approvals console's URL, for the approval server's notifications and confirmation links. */
  consoleUrl: $util.Output<string>;
}

/**
 * One MCP server: its allowlist parameter, its HTTP API (behind CloudFront and WAF when the
 * stage has an edge), a role and a function per entry, its routes, and its alarms. Returns
 * its public URL and its functions by name.
 */
export function mcpService(plan: Plan, service: ServicePlan, stage: StageResources) {
  const { components } = service;
  new aws.ssm.Parameter(components.governance, { name: service.governance.parameter, type: 'String', value: service.governance.value });
  if (service.callPolicies) {
    new aws.ssm.Parameter(components.callPolicies, { name: service.callPolicies.parameter, type: 'String', tier: service.callPolicies.tier, value: service.callPolicies.value });
  }
  const api = new sst.aws.ApiGatewayV2(components.api, {
    cors: false,
    accessLog: { retention: plan.logRetention },
    transform: {
      api: (args) => void (args.name = service.apiName),
      stage: (args) => void (args.defaultRouteSettings = { throttlingRateLimit: service.throttle.ratePerSecond, throttlingBurstLimit: service.throttle.burst }),
    },
  });
  const publicUrl = stage.edge ? edgeDistribution(components.edge, plan, stage.edge, api.url) : api.url;
  const functions = serviceFunctions(plan, service, api, publicUrl, stage.loginSecrets[service.service]?.secret.arn, stage.consoleUrl);
  serviceRoutes(plan, service, api, invokedArn(functions[service.functions[0]!.name]!, service.functions[0]!));
  new aws.cloudwatch.LogMetricFilter(components.throttleFilter, {
    logGroupName: api.nodes.logGroup.name,
    pattern: service.throttleFilter.pattern,
    metricTransformation: { name: service.throttleFilter.metricName, namespace: service.throttleFilter.namespace, value: '1', defaultValue: '0' },
  });
  for (const alarm of service.alarms(api.nodes.api.id)) metricAlarm(components.alarm(alarm.key), alarm, stage.alarmTopic);
  return { url: publicUrl, functions };
}

/** A role and a function per entry of the server (API handler, approval tasks, backlog report), each with exactly its plan's grants. */
function serviceFunctions(
  plan: Plan,
  service: ServicePlan,
  api: sst.aws.ApiGatewayV2,
  publicUrl: $util.Output<string>,
  databaseSecretArn: $util.Output<string> | undefined,
  consoleUrl: $util.Output<string>,
) {
  const { components } = service;
  const functions: Record<string, sst.aws.Function> = {};
  for (const fn of service.functions) {
    const { role } = lambdaRole(components.role(fn.kind), fn.name, fn.policy, components.rolePolicy(fn.kind));
    functions[fn.name] = new sst.aws.Function(components.function(fn.kind), {
      ...plannedFunction(plan, fn),
      description: fn.description,
      role: role.arn,
      environment: $resolve([publicUrl, api.url, databaseSecretArn ?? '', consoleUrl]).apply(([url, apiUrl, secretArn, console]) =>
        fn.environment({ publicUrl: url, apiHost: new URL(apiUrl).hostname, databaseSecretArn: secretArn || undefined, consoleUrl: console }),
      ),
    });
  }
  return functions;
}

/** The server's routes to its handler; only the approval API is behind the gateway's JWT authorizer (MCP requests are authenticated by the function). */
function serviceRoutes(plan: Plan, service: ServicePlan, api: sst.aws.ApiGatewayV2, handlerArn: $util.Output<string>): void {
  const authorizer = service.routes.some((route) => route.auth)
    ? api.addAuthorizer({ name: 'jwt', jwt: { issuer: plan.config.auth.issuer, audiences: [...service.authorizerAudiences] } })
    : undefined;
  for (const route of service.routes) {
    api.route(route.route, handlerArn, route.auth && authorizer ? { auth: { jwt: { authorizer: authorizer.id, scopes: [...route.auth.scopes] } } } : undefined);
  }
}
