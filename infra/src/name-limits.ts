import { resourceNames } from './names';
import { SERVER_NAMES } from './servers';
import { functionsOf } from './services';
import type { StageConfig } from './stage-config';

/** What a service accepts as a name (from each service's API reference). */
interface NameRule {
  readonly what: string;
  readonly max: number;
  readonly min?: number;
  /** The whole name must match. */
  readonly pattern: RegExp;
  readonly spelled: string;
}

const RULES = {
  // A function's role carries the function's name: the stricter of the two rules applies.
  lambda: { what: 'Lambda function and IAM role name', max: 64, pattern: /^[A-Za-z0-9_-]+$/, spelled: 'letters, digits, - and _' },
  iamRole: { what: 'IAM role name', max: 64, pattern: /^[\w+=,.@-]+$/, spelled: 'letters, digits and +=,.@_-' },
  dynamodb: { what: 'DynamoDB table name', min: 3, max: 255, pattern: /^[A-Za-z0-9_.-]+$/, spelled: 'letters, digits, _ . -' },
  bucket: { what: 'S3 bucket name', min: 3, max: 63, pattern: /^[a-z0-9](?!.*\.\.)[a-z0-9.-]*[a-z0-9]$/, spelled: 'lowercase letters, digits, . and -, starting and ending with a letter or digit' },
  aurora: {
    what: 'Aurora cluster identifier',
    max: 63,
    pattern: /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]$/,
    spelled: 'a letter first, then letters, digits and single hyphens, not ending with a hyphen',
  },
  stateMachine: { what: 'Step Functions state machine name', max: 80, pattern: /^[A-Za-z0-9_-]+$/, spelled: 'letters, digits, - and _' },
  topic: { what: 'SNS topic name', max: 256, pattern: /^[A-Za-z0-9_-]+$/, spelled: 'letters, digits, - and _' },
  api: { what: 'API Gateway API name', max: 128, pattern: /^[\x20-\x7e]+$/, spelled: 'printable characters' },
  parameter: { what: 'SSM parameter name', max: 1011, pattern: /^\/[a-zA-Z0-9_.\-/]+$/, spelled: 'letters, digits, _ . - and / for the path' },
  kmsAlias: { what: 'KMS alias', max: 256, pattern: /^alias\/[a-zA-Z0-9/_-]+$/, spelled: 'alias/ then letters, digits, / _ -' },
  secret: { what: 'Secrets Manager secret name', max: 512, pattern: /^[A-Za-z0-9/_+=.@-]+$/, spelled: 'letters, digits and /_+=.@-' },
} satisfies Record<string, NameRule>;

/**
 * Every name a stage derives (from its stage name, its account and the server registry),
 * checked against what its service accepts; a problem names the resource, the name, the limit,
 * and what to change. Empty when all are fine.
 */
export function resourceNameProblems(config: Pick<StageConfig, 'stage' | 'account'>): string[] {
  const names = resourceNames(config);
  const checks: [NameRule, string][] = [
    [RULES.dynamodb, names.auditTable],
    [RULES.dynamodb, names.approvalsTable],
    [RULES.dynamodb, names.rateLimitTable],
    [RULES.dynamodb, names.consoleSessionTable],
    [RULES.bucket, names.policyBucket],
    [RULES.bucket, names.digestBucket],
    [RULES.aurora, names.cluster],
    [RULES.stateMachine, names.stateMachine],
    [RULES.iamRole, names.stateMachineRole],
    [RULES.topic, names.approverTopic],
    [RULES.topic, names.alarmTopic],
    [RULES.lambda, names.migrationFunction],
    [RULES.lambda, names.digestFunction],
    [RULES.lambda, names.consoleFunction],
    [RULES.api, names.consoleApi],
    [RULES.kmsAlias, names.digestKeyAlias],
    [RULES.parameter, names.approvalKeyParameter],
    [RULES.parameter, names.edgeSecretParameter],
    [RULES.parameter, names.consoleClientSecretParameter],
    ...SERVER_NAMES.flatMap((server): [NameRule, string][] => [
      [RULES.api, names.api(server)],
      [RULES.parameter, names.governanceParameter(server)],
      [RULES.parameter, names.callPoliciesParameter(server)],
      [RULES.parameter, names.auditKeyParameter(server)],
      [RULES.secret, names.databaseSecret(server)],
      ...functionsOf(server).map((fn): [NameRule, string] => [RULES.lambda, names.function(server, fn.kind)]),
    ]),
  ];
  return checks.flatMap(([rule, name]) => {
    if (name.length > rule.max) return [`${rule.what} "${name}" is ${name.length} characters, over ${rule.max}: shorten the stage name "${config.stage}" (or the server's)`];
    if (name.length < (rule.min ?? 1)) return [`${rule.what} "${name}" is shorter than ${rule.min} characters`];
    if (!rule.pattern.test(name)) return [`${rule.what} "${name}" is not valid (${rule.spelled}): change the stage name "${config.stage}"`];
    return [];
  });
}

/** Throws, listing every problem, when a derived name would be refused by its service. */
export function assertResourceNames(config: Pick<StageConfig, 'stage' | 'account'>): void {
  const problems = resourceNameProblems(config);
  if (problems.length) throw new Error(`Stage "${config.stage}" derives names AWS would refuse:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
}
