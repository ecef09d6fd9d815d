import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ApprovalRequest } from './approval-request';
import type { ApprovalStore, PendingReservation } from './approval-store';
import type { ApprovalTransition } from './approval-request';

/**
 * The approvals table: one item per request, keyed by approval id, with a `by_status` index
 * (status, requested_at) for "what is pending". Items are updated only under a condition on
 * their current status. Beside them, one reservation item per requester, tool and arguments
 * (key `pending:<hash>`, no status, so outside the index) names the request pending for them.
 */
export const APPROVAL_INDEXES = { byStatus: 'by_status' } as const;

export function approvalTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'approval_id', AttributeType: 'S' },
      { AttributeName: 'status', AttributeType: 'S' },
      { AttributeName: 'requested_at', AttributeType: 'S' },
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
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw error;
    }
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
    async list({ status, server, limit, oldestFirst = false }) {
      if (!status) throw new Error('Listing approvals needs a status');
      const { Items = [] } = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: APPROVAL_INDEXES.byStatus,
          KeyConditionExpression: '#status = :status',
          ...(server ? { FilterExpression: '#server = :server' } : {}),
          ExpressionAttributeNames: { '#status': 'status', ...(server ? { '#server': 'server' } : {}) },
          ExpressionAttributeValues: marshall({ ':status': status, ...(server ? { ':server': server } : {}) }),
          ScanIndexForward: oldestFirst,
          Limit: limit,
        }),
      );
      return Items.map(read);
    },
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
    async reservePending(key, reservation: PendingReservation, replacing) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { ...reservationKey(key), ...marshall({ pending_id: reservation.approval_id, expires_at: reservation.expires_at, reserved_at: reservation.reserved_at }) },
            ConditionExpression: replacing ? 'pending_id = :replacing' : 'attribute_not_exists(approval_id)',
            ...(replacing ? { ExpressionAttributeValues: marshall({ ':replacing': replacing }) } : {}),
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    },
  };
}
