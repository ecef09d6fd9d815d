import type { StageConfig } from './stage-config';

/** One rule of the CloudFront web ACL, in the terms of `aws.wafv2.WebAcl` rules. */
export interface WafRuleSpec {
  name: string;
  priority: number;
  /** A managed rule group, with the rules of it that only count (never block); or a per-address rate limit. */
  kind: { managedRuleGroup: string; countOnly: readonly string[] } | { rateLimitPer5Minutes: number };
}

/**
 * Rules of the common rule set that would block ordinary MCP traffic: JSON-RPC bodies
 * over 8 KB, and incident or policy text that mentions markup, paths or metadata
 * addresses. They count (visible in WAF metrics) instead; the kit validates every body.
 */
export const COMMON_RULES_COUNT_ONLY = ['SizeRestrictions_BODY', 'CrossSiteScripting_BODY', 'GenericLFI_BODY', 'EC2MetaDataSSRF_BODY', 'GenericRFI_BODY'] as const;

/**
 * WAF cannot be attached to an API Gateway HTTP API (only to REST APIs, ALBs, CloudFront
 * and a few others). With `edge.waf`, each API is fronted by a CloudFront distribution
 * carrying this web ACL; CloudFront adds a secret header that the kit requires
 * (EDGE_SECRET), so a call straight to the API's own URL is refused. See docs/deploy.md.
 */
export function webAclRules(config: Pick<StageConfig, 'edge'>): WafRuleSpec[] {
  const managed = ['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet'];
  return [
    ...managed.map((group, index) => ({
      name: group,
      priority: index + 1,
      kind: { managedRuleGroup: group, countOnly: group === 'AWSManagedRulesCommonRuleSet' ? COMMON_RULES_COUNT_ONLY : [] },
    })),
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
