import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { approvalTableDefinition, auditTableDefinition, rateLimitTableDefinition } from '@gmcp/mcp-kit/platform';
import { SESSION_TABLE_KEY, SESSION_TTL_ATTRIBUTE } from '@gmcp/console/deployment-contract';
import { resourceNames } from './names';
import type { StageConfig } from './stage-config';

/** The arguments of `sst.aws.Dynamo` (on-demand billing and point-in-time recovery are its defaults). */
export interface DynamoTableSpec {
  name: string;
  fields: Record<string, 'string' | 'number' | 'binary'>;
  primaryIndex: { hashKey: string; rangeKey?: string };
  globalIndexes?: Record<string, { hashKey: string; rangeKey?: string; projection: 'all' }>;
  ttl?: string;
  deletionProtection: boolean;
  /** Encryption at rest with the AWS managed key `aws/dynamodb` (auditable in CloudTrail), not the AWS owned one. */
  kmsEncryption: true;
  pointInTimeRecovery: true;
}

const FIELD_TYPES = { S: 'string', N: 'number', B: 'binary' } as const;

/**
 * The stage's tables, from the very definitions the kit creates locally, so that the keys
 * and indexes the code queries are the ones deployed. The audit table is protected in
 * every stage; the others where the stage's resources are retained.
 */
export function tableSpecs(config: Pick<StageConfig, 'stage' | 'account'>, retained: boolean) {
  const names = resourceNames(config);
  return {
    audit: toSpec(auditTableDefinition(names.auditTable), { deletionProtection: true }),
    // Only single-use marks carry purge_at; requests are kept.
    approvals: toSpec(approvalTableDefinition(names.approvalsTable), { deletionProtection: retained, ttl: 'purge_at' }),
    rateLimits: toSpec(rateLimitTableDefinition(names.rateLimitTable), { deletionProtection: false, ttl: 'expires_at' }),
    // Sessions are short-lived: nothing to keep, removed by TTL once ended.
    consoleSessions: consoleSessionTable(names.consoleSessionTable),
  };
}

/** The console's sessions (see apps/console's deployment contract). */
function consoleSessionTable(name: string): DynamoTableSpec {
  return {
    name,
    fields: { [SESSION_TABLE_KEY]: 'string' },
    primaryIndex: { hashKey: SESSION_TABLE_KEY },
    ttl: SESSION_TTL_ATTRIBUTE,
    deletionProtection: false,
    kmsEncryption: true,
    pointInTimeRecovery: true,
  };
}

function toSpec(definition: CreateTableCommandInput, options: { deletionProtection: boolean; ttl?: string }): DynamoTableSpec {
  const key = (schema: CreateTableCommandInput['KeySchema']) => {
    const hashKey = schema?.find((element) => element.KeyType === 'HASH')?.AttributeName;
    const rangeKey = schema?.find((element) => element.KeyType === 'RANGE')?.AttributeName;
    if (!hashKey) throw new Error(`Table ${definition.TableName} has no hash key`);
    return rangeKey ? { hashKey, rangeKey } : { hashKey };
  };
  const indexes = definition.GlobalSecondaryIndexes ?? [];
  return {
    name: definition.TableName!,
    fields: Object.fromEntries((definition.AttributeDefinitions ?? []).map((attribute) => [attribute.AttributeName!, FIELD_TYPES[attribute.AttributeType!]])),
    primaryIndex: key(definition.KeySchema),
    ...(indexes.length ? { globalIndexes: Object.fromEntries(indexes.map((index) => [index.IndexName!, { ...key(index.KeySchema), projection: 'all' as const }])) } : {}),
    ...(options.ttl ? { ttl: options.ttl } : {}),
    deletionProtection: options.deletionProtection,
    kmsEncryption: true,
    pointInTimeRecovery: true,
  };
}
