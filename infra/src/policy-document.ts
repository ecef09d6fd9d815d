/** An IAM policy document as AWS reads it. */
export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export function document(statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

export const allow = (Sid: string, Action: string[], Resource: string[], Condition?: PolicyStatement['Condition']): PolicyStatement => ({
  Sid,
  Effect: 'Allow',
  Action,
  Resource,
  ...(Condition ? { Condition } : {}),
});

export const deny = (Sid: string, Action: string[], Resource: string[]): PolicyStatement => ({ Sid, Effect: 'Deny', Action, Resource });

/** IAM's wildcard match: `*` any run of characters, `?` exactly one. Action names ignore case; ARNs do not. */
export function matchesPattern(pattern: string, value: string, { ignoreCase = false } = {}): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

/**
 * Whether the document allows `action` on `resource`, by IAM's rule for one identity
 * policy: an explicit Deny wins, then any Allow; otherwise denied. `StringLike`
 * conditions are evaluated against `context` (a key the request lacks fails them); a
 * statement with any other condition operator never matches, so nothing is over-allowed.
 */
/**
 * The condition operators the policies use, as IAM evaluates them on a single-valued request:
 * StringLike fails on a missing key; ForAllValues:StringLike holds on a missing key (vacuously,
 * hence the Null test beside it); Null "false" requires the key, "true" its absence.
 */
function conditionHolds(operator: string, value: string | undefined, patterns: string[]): boolean {
  switch (operator) {
    case 'StringLike':
      return value !== undefined && patterns.some((pattern) => matchesPattern(pattern, value));
    case 'ForAllValues:StringLike':
      return value === undefined || patterns.some((pattern) => matchesPattern(pattern, value));
    case 'Null':
      return patterns.every((expected) => (expected === 'true') === (value === undefined));
    default:
      return false;
  }
}

export function isAllowed(policy: PolicyDocument, action: string, resource: string, context: Record<string, string> = {}): boolean {
  const conditionsHold = (statement: PolicyStatement) =>
    Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
      Object.entries(keys).every(([key, patterns]) => conditionHolds(operator, context[key], [patterns].flat())),
    );
  const matches = (statement: PolicyStatement) =>
    statement.Action.some((pattern) => matchesPattern(pattern, action, { ignoreCase: true })) &&
    statement.Resource.some((pattern) => matchesPattern(pattern, resource)) &&
    conditionsHold(statement);
  if (policy.Statement.some((statement) => statement.Effect === 'Deny' && matches(statement))) return false;
  return policy.Statement.some((statement) => statement.Effect === 'Allow' && matches(statement));
}
