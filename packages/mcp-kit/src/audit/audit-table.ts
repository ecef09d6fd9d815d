import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The audit table's key design, shared by the adapter, local start-up and infrastructure.
 *
 *   base table   pk = <server>#<yyyy-mm-dd>  sk = <time>#<event id>   writes: each server's own partitions
 *   by_day       day_pk = DAY#<yyyy-mm-dd>   sk                       time-range queries and verify
 *   by_actor     actor_pk = ACTOR#<subject>  sk                       "what did alice do"
 *   by_tool      tool_pk = TOOL#<tool>       sk                       "who called search_policies"
 *
 * The base key starts with the server's name so that on AWS each server's role may write
 * only its own items (`dynamodb:LeadingKeys`): a compromised server cannot overwrite another's
 * records. Every query is a key-condition range on `sk` in an index; other filters are filter
 * expressions. Records are written with `attribute_not_exists(pk)`, so none is ever overwritten.
 */
export const AUDIT_INDEXES = { byDay: 'by_day', byActor: 'by_actor', byTool: 'by_tool' } as const;

export function auditTableDefinition(tableName: string): CreateTableCommandInput {
  const projectAll = { ProjectionType: 'ALL' as const };
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'day_pk', AttributeType: 'S' },
      { AttributeName: 'actor_pk', AttributeType: 'S' },
      { AttributeName: 'tool_pk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: AUDIT_INDEXES.byDay,
        KeySchema: [
          { AttributeName: 'day_pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        Projection: projectAll,
      },
      {
        IndexName: AUDIT_INDEXES.byActor,
        KeySchema: [
          { AttributeName: 'actor_pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        Projection: projectAll,
      },
      {
        IndexName: AUDIT_INDEXES.byTool,
        KeySchema: [
          { AttributeName: 'tool_pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        Projection: projectAll,
      },
    ],
  };
}
