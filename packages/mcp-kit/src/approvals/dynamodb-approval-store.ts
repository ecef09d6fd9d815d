import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { z } from 'zod';
import { ApprovalRequest } from './approval-request';
import { InvalidPageCursorError, type ApprovalStore, type PendingReservation } from './approval-store';
import type { ApprovalTransition } from './approval-request';

/**
 * The approvals table: one item per request, keyed by approval id, with a `by_status` index
 * (status, requested_at) for "what is pending" and a `by_requester` index (requester,
 * requested_at) for "my requests". Items are updated only under a condition on
 * their current status. Beside them, one reservation item per requester, tool and arguments
 * (key `pending:<hash>`, no status, so outside the index) names the request pending for them,
 * and single-use marks (key `once:<key>`, removed by the table's TTL on `purge_at`).
 */
export const APPROVAL_INDEXES = { byStatus: 'by_status', byRequester: 'by_requester' } as const;

export function approvalTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'approval_id', AttributeType: 'S' },
      { AttributeName: 'status', AttributeType: 'S' },
      { AttributeName: 'requested_at', AttributeType: 'S' },
      { AttributeName: 'requester', AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: 'approval_id', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: APPROVAL_INDEXES.byStatus,
        KeySchema: [
          { AttributeName: 'status', KeyType: 'HASH' },
          { AttributeName: 'requested_at', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: APPROVAL_INDEXES.byRequester,
        KeySchema: [
          { AttributeName: 'requester', KeyType: 'HASH' },
          { AttributeName: 'requested_at', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

export function createDynamoDbApprovalStore(client: DynamoDBClient, tableName: string): ApprovalStore {
  const key = (approvalId: string) => ({ approval_id: { S: approvalId } });
  const read = (item: Record<string, unknown>) => ApprovalRequest.parse(unmarshall(item as never));

  /** Runs a conditional update; false when the condition did not hold. */
  const transition = async (approvalId: string, update: string, condition: string, values: Record<string, unknown>): Promise<boolean> =>
    (await conditionalUpdate(approvalId, update, condition, values)) !== undefined;
  /** A status change, with its signed transition appended in the same write. */
  const move = (approvalId: string, set: string, condition: string, values: Record<string, unknown>, signed: ApprovalTransition) =>
    conditionalUpdate(approvalId, `${set}, transitions = list_append(if_not_exists(transitions, :none), :transition)`, condition, {
      ...values,
      ':none': [],
      ':transition': [signed],
    });
  const moved = async (...args: Parameters<typeof move>) => (await move(...args)) !== undefined;
  const reservationKey = (key: string) => ({ approval_id: { S: `pending:${key}` } });

  /** The item after a conditional update, or undefined when the condition did not hold. */
  const conditionalUpdate = async (approvalId: string, update: string, condition: string, values: Record<string, unknown>): Promise<ApprovalRequest | undefined> => {
    try {
      const { Attributes } = await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(approvalId),
          UpdateExpression: update,
          ConditionExpression: `attribute_exists(approval_id) AND ${condition}`,
          ExpressionAttributeNames: { '#status': 'status', ...(update.includes('#result') ? { '#result': 'result' } : {}) },
          ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return read(Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  };

  /** Writes an item only under `condition`; false when the condition did not hold. */
  const conditionalPut = async (item: Record<string, AttributeValue>, condition: string, values?: Record<string, unknown>): Promise<boolean> => {
    try {
      await client.send(new PutItemCommand({ TableName: tableName, Item: item, ConditionExpression: condition, ...(values ? { ExpressionAttributeValues: marshall(values) } : {}) }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  };

  const page: ApprovalStore['page'] = async ({ status, server, requester, kind, tool, limit, oldestFirst = false, after }) => {
    if (!status && !requester) throw new Error('Listing approvals needs a status or a requester');
    const partition = requester ? { index: APPROVAL_INDEXES.byRequester, name: 'requester', value: requester } : { index: APPROVAL_INDEXES.byStatus, name: 'status', value: status! };
    const equal = { ...(server ? { server } : {}), ...(requester && status ? { status } : {}), ...(tool ? { tool } : {}), ...(kind === 'confirmation' ? { kind } : {}) };
    const conditions = [...Object.keys(equal).map((name) => `#${name} = :${name}`), ...(kind === 'approval' ? ['attribute_not_exists(#kind)'] : [])];
    const names = { '#partition': partition.name, ...Object.fromEntries(Object.keys(equal).map((name) => [`#${name}`, name])), ...(kind === 'approval' ? { '#kind': 'kind' } : {}) };
    const requests: ApprovalRequest[] = [];
    let start = after ? marshall(pageKey(after, partition)) : undefined;
    // A filter applies after the query's Limit: query again until the page is full or the index ends.
    do {
      const { Items = [], LastEvaluatedKey } = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: partition.index,
          KeyConditionExpression: '#partition = :partition',
          ...(conditions.length ? { FilterExpression: conditions.join(' AND ') } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: marshall({ ':partition': partition.value, ...Object.fromEntries(Object.entries(equal).map(([name, value]) => [`:${name}`, value])) }),
          ScanIndexForward: oldestFirst,
          Limit: limit - requests.length,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      requests.push(...Items.map(read));
      start = LastEvaluatedKey;
    } while (start && requests.length < limit);
    const last = start ? (unmarshall(start) as Record<string, string>) : undefined;
    return { requests, ...(last ? { next: Buffer.from(JSON.stringify(last)).toString('base64url') } : {}) };
  };

  return {
    async create(request) {
      await client.send(
        new PutItemCommand({ TableName: tableName, Item: marshall(request), ConditionExpression: 'attribute_not_exists(approval_id)' }),
      );
    },
    async get(approvalId) {
      const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: key(approvalId), ConsistentRead: true }));
      return Item ? read(Item) : undefined;
    },
    list: async (query) => (await page(query)).requests,
    page,
    async recordWorkflow(approvalId, workflowRef) {
      await transition(approvalId, 'SET workflow_ref = :ref', 'attribute_exists(#status)', { ':ref': workflowRef });
    },
    recordTaskToken: (approvalId, taskToken) => transition(approvalId, 'SET task_token = :token', '#status = :pending', { ':token': taskToken, ':pending': 'pending' }),
    decide: (approvalId, decision, now, signed) =>
      move(
        approvalId,
        'SET #status = :decided, decision = :decision',
        '#status = :pending AND expires_at > :now',
        { ':decided': decision.decision, ':decision': decision, ':pending': 'pending', ':now': now.toISOString() },
        signed,
      ),
    expire: (approvalId, now, signed) =>
      moved(approvalId, 'SET #status = :expired', '#status = :pending AND expires_at <= :now', { ':expired': 'expired', ':pending': 'pending', ':now': now.toISOString() }, signed),
    abandon: (approvalId, reason, signed) =>
      moved(approvalId, 'SET #status = :failed, #result = :result', '#status = :pending', { ':failed': 'failed', ':result': JSON.stringify({ error: reason }), ':pending': 'pending' }, signed),
    claim: (approvalId, signed) => moved(approvalId, 'SET #status = :executing', '#status = :approved', { ':executing': 'executing', ':approved': 'approved' }, signed),
    complete: (approvalId, { status, result, executedAt }, signed) =>
      moved(
        approvalId,
        'SET #status = :done, #result = :result, executed_at = :at',
        '#status = :executing',
        { ':done': status, ':result': result, ':at': executedAt.toISOString(), ':executing': 'executing' },
        signed,
      ),
    async pendingFor(key) {
      const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: reservationKey(key), ConsistentRead: true }));
      if (!Item) return undefined;
      const { pending_id, expires_at, reserved_at } = unmarshall(Item) as { pending_id: string; expires_at: string; reserved_at: string };
      return { approval_id: pending_id, expires_at, reserved_at };
    },
    reservePending: (key, reservation: PendingReservation, replacing) =>
      conditionalPut(
        { ...reservationKey(key), ...marshall({ pending_id: reservation.approval_id, expires_at: reservation.expires_at, reserved_at: reservation.reserved_at }) },
        replacing ? 'pending_id = :replacing' : 'attribute_not_exists(approval_id)',
        replacing ? { ':replacing': replacing } : undefined,
      ),
    // `purge_at` is the table's TTL attribute: only these marks carry it, never a request.
    takeOnce: (key, expiresAt) =>
      conditionalPut(marshall({ approval_id: `once:${key}`, expires_at: expiresAt.toISOString(), purge_at: Math.ceil(expiresAt.getTime() / 1000) + 86_400 }), 'attribute_not_exists(approval_id)'),
  };
}

const PageKey = z.record(z.string(), z.string().max(512));

/** The key a page ended at, as `page` handed it out: anything else is refused, not queried. */
function pageKey(cursor: string, partition: { name: string; value: string }): Record<string, string> {
  const parsed = PageKey.safeParse((() => {
    try {
      return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
  })());
  const keys = parsed.success ? Object.keys(parsed.data).sort().join(',') : '';
  if (!parsed.success || keys !== ['approval_id', partition.name, 'requested_at'].sort().join(',') || parsed.data[partition.name] !== partition.value) throw new InvalidPageCursorError();
  return parsed.data;
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException';
}
