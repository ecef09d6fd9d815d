import { createHash, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { readBodyBytes } from './http-body';

type Json = Record<string, unknown>;
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const TARGET_PREFIX = 'DynamoDB_20120810.';
const MAX_ITEMS = 100;
/** How long DynamoDB remembers a ClientRequestToken. */
const TOKEN_MEMORY_MS = 10 * 60 * 1000;

interface Answer {
  status: number;
  body: Json;
}

/** One operation of a transaction, as DynamoDB's own single-item operation. */
interface Step {
  table: string;
  key: Json;
  /** The single-item request that applies the step, with its condition. */
  operation: string;
  input: Json;
  /** What to return when its condition fails (ALL_OLD: the item as it was). */
  returnOld: boolean;
}

/**
 * DynamoDB's TransactWriteItems in front of dynalite, which lacks it: the items' conditions
 * all hold and every write is applied, or none is (TransactionCanceledException with a reason
 * per item, as DynamoDB answers). A transaction holds the whole store while it runs — other
 * requests wait, and it waits for those in flight — so nothing observes it half done; each
 * step is dynalite's own conditional Put/Update/Delete, and a step refused is undone by
 * restoring the items as they were. ClientRequestToken makes a repeated request idempotent for
 * ten minutes, as on AWS. Every other request goes to dynalite unchanged.
 */
export async function withWriteTransactions(dynalite: Server): Promise<{ server: Server; stop(): Promise<void> }> {
  const handle = dynalite.listeners('request')[0] as Handler;
  // The steps of a transaction reach dynalite on a port of its own, past the gate their transaction holds.
  await new Promise<void>((resolve) => dynalite.listen(0, '127.0.0.1', resolve));
  const innerPort = (dynalite.address() as AddressInfo).port;
  const gate = createGate();
  const tokens = new Map<string, { digest: string; at: number }>();
  const keySchemas = new Map<string, string[]>();

  const server = createServer((req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target !== `${TARGET_PREFIX}TransactWriteItems`) {
      const answered = settled(res);
      void gate.shared(async () => {
        // A client that went away while it waited is not served (and holds nothing).
        if (!res.destroyed) handle(req, res);
        await answered;
      });
      return;
    }
    // The body is read before the gate: a slow client does not hold the store.
    void readBodyBytes(req).then((body) =>
      gate.exclusive(async () => {
        const send = (operation: string, input: Json) => innerCall(innerPort, req, operation, input);
        const answer = await transact(body, { send, tokens, keySchemas }).catch((error: Error) => failure(500, 'InternalServerError', error.message));
        if (!res.destroyed) reply(res, answer);
      }),
    );
  });
  return {
    server,
    /** Waits for the transactions under way, then closes dynalite (and its LevelDB store). */
    stop: async () => {
      await gate.exclusive(async () => undefined);
      await new Promise<void>((resolve, reject) => {
        dynalite.closeAllConnections();
        dynalite.close((error) => (error ? reject(error) : resolve()));
      });
    },
  };
}

/** Resolves when the response is over: sent, or its connection gone (whichever, even if already). */
function settled(res: ServerResponse): Promise<void> {
  if (res.writableEnded || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    res.once('finish', resolve);
    res.once('close', resolve);
  });
}

/** Many requests at once, or one transaction alone. */
function createGate() {
  let transactions = Promise.resolve();
  let queued = 0;
  let inFlight = 0;
  const whenIdle: (() => void)[] = [];
  const idle = () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => whenIdle.push(resolve)));
  return {
    async shared(run: () => Promise<void>): Promise<void> {
      while (queued > 0) await transactions;
      inFlight += 1;
      try {
        await run();
      } finally {
        inFlight -= 1;
        if (inFlight === 0) for (const resolve of whenIdle.splice(0)) resolve();
      }
    },
    exclusive(run: () => Promise<void>): Promise<void> {
      queued += 1;
      const turn = transactions.then(async () => {
        await idle();
        try {
          await run();
        } finally {
          queued -= 1;
        }
      });
      transactions = turn.catch(() => undefined);
      return turn;
    },
  };
}

interface TransactionContext {
  send(operation: string, input: Json): Promise<Answer>;
  tokens: Map<string, { digest: string; at: number }>;
  keySchemas: Map<string, string[]>;
}

async function transact(raw: Buffer, context: TransactionContext): Promise<Answer> {
  let request: { TransactItems?: Json[]; ClientRequestToken?: string };
  try {
    request = JSON.parse(raw.toString('utf8')) as typeof request;
  } catch {
    return failure(400, 'SerializationException', 'Start of structure or map found where not expected');
  }
  const items = request.TransactItems;
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_ITEMS) {
    return failure(400, 'ValidationException', `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length between 1 and ${MAX_ITEMS}`);
  }
  const repeated = repeatedToken(request.ClientRequestToken, raw, context.tokens);
  if (repeated) return repeated;
  const answer = await apply(items, context);
  // Only a transaction that was applied is remembered: a retry of a refused or failed one runs again, as on AWS.
  if (answer.status === 200 && request.ClientRequestToken !== undefined) context.tokens.set(request.ClientRequestToken, { digest: digestOf(raw), at: Date.now() });
  return answer;
}

async function apply(items: Json[], context: TransactionContext): Promise<Answer> {
  const steps: Step[] = [];
  for (const item of items) {
    const step = await stepOf(item, context);
    if ('status' in step) return step;
    steps.push(step);
  }
  const keys = steps.map((step) => `${step.table} ${canonical(step.key)}`);
  if (new Set(keys).size !== keys.length) return failure(400, 'ValidationException', 'Transaction request cannot include multiple operations on one item');

  const before = await Promise.all(steps.map((step) => context.send('GetItem', { TableName: step.table, Key: step.key, ConsistentRead: true })));
  const failedRead = before.find((answer) => answer.status !== 200);
  if (failedRead) return failedRead;
  const priorItems = before.map((answer) => answer.body.Item as Json | undefined);

  const results: Answer[] = [];
  try {
    for (const [index, step] of steps.entries()) {
      const { operation, input } = step.operation === 'ConditionCheck' ? conditionCheck(step, priorItems[index]) : step;
      results.push(await context.send(operation, input));
    }
  } catch (error) {
    await restore(steps, priorItems, results, context);
    throw error;
  }
  const refused = results.some((answer) => answer.status !== 200);
  if (!refused) return { status: 200, body: {} };

  await restore(steps, priorItems, results, context);
  const other = results.find((answer) => answer.status !== 200 && errorName(answer) !== 'ConditionalCheckFailedException');
  if (other) return other;
  const reasons = results.map((answer, index) =>
    answer.status === 200
      ? { Code: 'None' }
      : { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', ...(steps[index]!.returnOld && priorItems[index] ? { Item: priorItems[index] } : {}) },
  );
  const codes = reasons.map((reason) => reason.Code).join(', ');
  return {
    status: 400,
    body: {
      __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
      message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
      CancellationReasons: reasons,
    },
  };
}

/** The token of a transaction already applied: its answer again (same request) or a mismatch; undefined otherwise. */
function repeatedToken(token: string | undefined, raw: Buffer, tokens: TransactionContext['tokens']): Answer | undefined {
  if (token === undefined) return undefined;
  const now = Date.now();
  for (const [seen, { at }] of tokens) if (now - at > TOKEN_MEMORY_MS) tokens.delete(seen);
  const seen = tokens.get(token);
  if (!seen) return undefined;
  if (seen.digest === digestOf(raw)) return { status: 200, body: {} };
  return failure(400, 'IdempotentParameterMismatchException', 'Request parameters do not match the parameters of a previous request with the same client request token');
}

/**
 * Undoes the applied steps, last first: each item goes back to what it was. `results` may stop
 * short (a step that threw): that step is undone too, since it may have been applied.
 */
async function restore(steps: Step[], priorItems: (Json | undefined)[], results: Answer[], context: TransactionContext): Promise<void> {
  for (let index = Math.min(steps.length - 1, results.length); index >= 0; index -= 1) {
    const result = results[index];
    if (result && result.status !== 200) continue;
    const step = steps[index]!;
    const prior = priorItems[index];
    await (prior ? context.send('PutItem', { TableName: step.table, Item: prior }) : context.send('DeleteItem', { TableName: step.table, Key: step.key }));
  }
}

async function stepOf(item: Json, context: TransactionContext): Promise<Step | Answer> {
  const kinds = ['Put', 'Update', 'Delete', 'ConditionCheck'].filter((kind) => item[kind] !== undefined);
  if (kinds.length !== 1) return failure(400, 'ValidationException', 'TransactItems can only contain one of Check, Put, Update or Delete');
  const kind = kinds[0]!;
  const { ReturnValuesOnConditionCheckFailure, ...input } = item[kind] as Json & { TableName: string; Key?: Json; Item?: Json };
  const returnOld = ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
  if (kind === 'Put') {
    const schema = await keySchema(input.TableName, context);
    if (Array.isArray(schema)) return { table: input.TableName, key: pick(input.Item ?? {}, schema), operation: 'PutItem', input, returnOld };
    return schema;
  }
  if (kind === 'Update') return { table: input.TableName, key: input.Key ?? {}, operation: 'UpdateItem', input, returnOld };
  if (kind === 'Delete') return { table: input.TableName, key: input.Key ?? {}, operation: 'DeleteItem', input, returnOld };
  return { table: input.TableName, key: input.Key ?? {}, operation: 'ConditionCheck', input, returnOld };
}

async function keySchema(table: string, context: TransactionContext): Promise<string[] | Answer> {
  const known = context.keySchemas.get(table);
  if (known) return known;
  const described = await context.send('DescribeTable', { TableName: table });
  if (described.status !== 200) return described;
  const names = ((described.body.Table as Json).KeySchema as { AttributeName: string }[]).map((key) => key.AttributeName);
  context.keySchemas.set(table, names);
  return names;
}

function pick(item: Json, names: string[]): Json {
  return Object.fromEntries(names.map((name) => [name, item[name]]));
}

/** One single-item request to dynalite, signed as the transaction was (dynalite checks the header's form, not the signature). */
async function innerCall(port: number, original: IncomingMessage, operation: string, input: Json): Promise<Answer> {
  const body = Buffer.from(JSON.stringify(input));
  const headers = {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': `${TARGET_PREFIX}${operation}`,
    'content-length': String(body.length),
    authorization: String(original.headers.authorization ?? ''),
    'x-amz-date': String(original.headers['x-amz-date'] ?? ''),
  };
  return new Promise((resolve, reject) => {
    const call = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, async (answer) => {
      const text = (await readBodyBytes(answer)).toString('utf8');
      resolve({ status: answer.statusCode ?? 500, body: text ? (JSON.parse(text) as Json) : {} });
    });
    call.on('error', reject);
    call.end(body);
  });
}

/** A condition alone, checked against the item as it is: a conditional put of it unchanged, or a conditional delete of nothing. */
function conditionCheck(step: Step, prior: Json | undefined): { operation: string; input: Json } {
  const { TableName, Key, ...condition } = step.input;
  return prior ? { operation: 'PutItem', input: { TableName, Item: prior, ...condition } } : { operation: 'DeleteItem', input: { TableName, Key, ...condition } };
}

function digestOf(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex');
}

function errorName(answer: Answer): string {
  return String(answer.body.__type ?? '').split('#').pop() ?? '';
}

function failure(status: number, name: string, message: string): Answer {
  const namespace = name === 'SerializationException' ? 'com.amazon.coral.service' : 'com.amazonaws.dynamodb.v20120810';
  return { status, body: { __type: `${namespace}#${name}`, message } };
}

function reply(res: ServerResponse, answer: Answer): void {
  const body = Buffer.from(JSON.stringify(answer.body));
  res.writeHead(answer.status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': String(body.length),
    'x-amzn-requestid': randomUUID(),
    'x-amz-crc32': String(crc32(body)),
  });
  res.end(body);
}

function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  return `{${Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonical((value as Json)[key])}`)
    .join(',')}}`;
}
