import type { StageConfig } from './stage-config';

/** One rule of the CloudFront web ACL, in the terms of `aws.wafv2.WebAcl` rules. */
export interface WafRuleSpec {
  name: string;
  priority: number;
  kind: { managedRuleGroup: string } | { rateLimitPer5Minutes: number };
}

/**
 * WAF cannot be attached to an API Gateway HTTP API (only to REST APIs, ALBs, CloudFront
 * and a few others). With `edge.waf`, each API is fronted by a CloudFront distribution
 * carrying this web ACL; CloudFront adds a secret header that the kit requires
 * (EDGE_SECRET), so a call straight to the API's own URL is refused. See docs/deploy.md.
 */
export function webAclRules(config: Pick<StageConfig, 'edge'>): WafRuleSpec[] {
  const managed = ['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet'];
  return [
    ...managed.map((group, index) => ({ name: group, priority: index + 1, kind: { managedRuleGroup: group } })),
    { name: 'RatePerClientIp', priority: managed.length + 1, kind: { rateLimitPer5Minutes: config.edge.rateLimitPer5Minutes } },
  ];
}

/**
 * CloudFront managed policies for an API that must not be cached and must see the
 * caller's Authorization header (but not the viewer's Host, which would not match the API).
 */
export const CLOUDFRONT_POLICIES = {
  cachingDisabled: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
  allViewerExceptHostHeader: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
} as const;
