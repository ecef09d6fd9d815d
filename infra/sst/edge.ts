/// <reference path="../../.sst/platform/config.d.ts" />
import type { Plan } from './plan';

export interface Edge {
  webAcl: aws.wafv2.WebAcl;
  /** The secret CloudFront sends and the kit checks: its current value is in the distribution's configuration. */
  secret: $util.Output<string>;
}

/** The stage's edge, when it has WAF: one web ACL, and the secret read from SSM. */
export function stageEdge(plan: Plan): Edge | undefined {
  if (!plan.edge) return undefined;
  const edge = plan.edge;
  const secret = aws.ssm.getParameterOutput({ name: edge.secretParameter, withDecryption: true }).value.apply((value) => edge.sentSecret(value));
  return { webAcl: edgeWebAcl(plan, edge.rules), secret };
}

/** WAF cannot attach to an HTTP API: the web ACL protects a CloudFront distribution in front of each API (us-east-1 scope). */
function edgeWebAcl(plan: Plan, rules: NonNullable<Plan['edge']>['rules']) {
  const { names } = plan;
  const global = new aws.Provider('UsEast1', { region: 'us-east-1' });
  const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });
  return new aws.wafv2.WebAcl(
    'EdgeWebAcl',
    {
      name: `${names.prefix}-edge`,
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`${names.prefix}-edge`),
      rules: rules.map((rule) => ({
        name: rule.name,
        priority: rule.priority,
        visibilityConfig: visibility(rule.name),
        ...('managedRuleGroup' in rule.kind
          ? {
              overrideAction: { none: {} },
              statement: {
                managedRuleGroupStatement: {
                  vendorName: 'AWS',
                  name: rule.kind.managedRuleGroup,
                  ruleActionOverrides: rule.kind.countOnly.map((name) => ({ name, actionToUse: { count: {} } })),
                },
              },
            }
          : { action: { block: {} }, statement: { rateBasedStatement: { limit: rule.kind.rateLimitPer5Minutes, aggregateKeyType: 'IP' } } }),
      })),
    },
    { provider: global },
  );
}

/** CloudFront in front of an API: nothing cached, the caller's headers passed on, the edge secret added for the kit to check. Its URL. */
export function edgeDistribution(id: string, plan: Plan, edge: Edge, apiUrl: $util.Output<string>): $util.Output<string> {
  const distribution = new aws.cloudfront.Distribution(id, {
    enabled: true,
    webAclId: edge.webAcl.arn,
    origins: [
      {
        originId: 'api',
        domainName: apiUrl.apply((url) => new URL(url).host),
        customOriginConfig: { originProtocolPolicy: 'https-only', httpPort: 80, httpsPort: 443, originSslProtocols: ['TLSv1.2'] },
        customHeaders: [{ name: 'x-gmcp-edge-secret', value: edge.secret }],
      },
    ],
    defaultCacheBehavior: {
      targetOriginId: 'api',
      viewerProtocolPolicy: 'https-only',
      allowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'],
      cachedMethods: ['GET', 'HEAD'],
      cachePolicyId: plan.edge!.cloudfront.cachingDisabled,
      originRequestPolicyId: plan.edge!.cloudfront.allViewerExceptHostHeader,
    },
    restrictions: { geoRestriction: { restrictionType: 'none' } },
    viewerCertificate: { cloudfrontDefaultCertificate: true },
  });
  return $interpolate`https://${distribution.domainName}`;
}
