import { randomUUID } from 'node:crypto';
import { parseDefinition } from './definition';
import { SfnError, StatesError } from './errors';
import type { Integrations } from './integrations';
import { Execution, type ExecutionHost, type OpenTask, type SfnClock, type StateMachineRecord } from './interpreter';

export interface SfnServiceConfig {
  region: string;
  accountId: string;
  clock: SfnClock;
  integrations: Integrations;
}

interface StoredStateMachine extends StateMachineRecord {
  definitionText: string;
  type: 'STANDARD';
  creationDate: Date;
}

type Body = Record<string, unknown>;

/** The Step Functions operations the endpoint serves, over in-memory state machines and executions. */
export class SfnService implements ExecutionHost {
  readonly requests: { operation: string }[] = [];
  readonly executions = new Map<string, Execution>();
  readonly tasks = new Map<string, OpenTask>();
  private readonly stateMachines = new Map<string, StoredStateMachine>();
  private readonly issuedTokens = new Set<string>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly config: SfnServiceConfig) {}

  get clock(): SfnClock {
    return this.config.clock;
  }

  get integrations(): Integrations {
    return this.config.integrations;
  }

  handle(operation: string, body: Body): unknown {
    this.requests.push({ operation });
    switch (operation) {
      case 'CreateStateMachine':
        return this.createStateMachine(body);
      case 'StartExecution':
        return this.startExecution(body);
      case 'DescribeExecution':
        return this.describeExecution(body);
      case 'SendTaskSuccess':
        return this.sendTaskSuccess(body);
      case 'SendTaskFailure':
        return this.sendTaskFailure(body);
      case 'SendTaskHeartbeat':
        this.openTaskFor(required(body, 'taskToken')).heartbeat();
        return {};
      default:
        throw new SfnError('UnknownOperationException', `The Step Functions test endpoint does not implement ${operation}`);
    }
  }

  /**
   * Idempotent on name + definition + type, as the service is (a different roleArn is
   * ignored); the same name with another definition is StateMachineAlreadyExists.
   */
  private createStateMachine(body: Body) {
    const name = required(body, 'name');
    const definitionText = required(body, 'definition');
    const roleArn = required(body, 'roleArn');
    checkName(name);
    if (!/^arn:aws[\w-]*:iam::\d{12}:role\/.+/.test(roleArn)) throw new SfnError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${roleArn}'`);
    const type = optional(body, 'type') ?? 'STANDARD';
    if (type !== 'STANDARD') throw new SfnError('StateMachineTypeNotSupported', `The Step Functions test endpoint runs STANDARD state machines only, not ${type}`);
    const definition = parseDefinition(definitionText);
    const arn = `arn:aws:states:${this.config.region}:${this.config.accountId}:stateMachine:${name}`;
    const existing = this.stateMachines.get(arn);
    if (existing) {
      if (existing.definitionText !== definitionText) throw new SfnError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
      return { stateMachineArn: arn, creationDate: epochSeconds(existing.creationDate) };
    }
    const stateMachine: StoredStateMachine = { arn, name, roleArn, definition, definitionText, type, creationDate: this.clock.now() };
    this.stateMachines.set(arn, stateMachine);
    return { stateMachineArn: arn, creationDate: epochSeconds(stateMachine.creationDate) };
  }

  /**
   * Execution names are unique per state machine (STANDARD). A name already used: the same
   * input while that execution is still running returns it again (StartExecution is
   * idempotent); a different input, or a closed execution, is ExecutionAlreadyExists.
   */
  private startExecution(body: Body) {
    const stateMachineArn = required(body, 'stateMachineArn');
    if (!/^arn:aws[\w-]*:states:[^:]+:\d{12}:stateMachine:[^:]+$/.test(stateMachineArn)) throw new SfnError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${stateMachineArn}'`);
    const stateMachine = this.stateMachines.get(stateMachineArn);
    if (!stateMachine) throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    const name = optional(body, 'name') ?? randomUUID();
    checkName(name);
    const input = optional(body, 'input') ?? '{}';
    try {
      JSON.parse(input);
    } catch {
      throw new SfnError('InvalidExecutionInput', `Invalid State Machine Execution Input: 'Unexpected input: ${input.slice(0, 100)}'`);
    }
    const executionArn = `arn:aws:states:${this.config.region}:${this.config.accountId}:execution:${stateMachine.name}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) return { executionArn, startDate: epochSeconds(existing.startDate) };
      throw new SfnError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const execution = new Execution(executionArn, name, stateMachine, input, this.clock.now(), this);
    this.executions.set(executionArn, execution);
    execution.start();
    this.changed();
    return { executionArn, startDate: epochSeconds(execution.startDate) };
  }

  private describeExecution(body: Body) {
    const executionArn = required(body, 'executionArn');
    if (!/^arn:aws[\w-]*:states:[^:]+:\d{12}:execution:[^:]+:[^:]+$/.test(executionArn)) throw new SfnError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${executionArn}'`);
    const execution = this.executions.get(executionArn);
    if (!execution) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return {
      executionArn,
      stateMachineArn: execution.stateMachine.arn,
      name: execution.name,
      status: execution.status,
      startDate: epochSeconds(execution.startDate),
      ...(execution.stopDate ? { stopDate: epochSeconds(execution.stopDate) } : {}),
      input: execution.input,
      inputDetails: { included: true },
      ...(execution.output !== undefined ? { output: execution.output, outputDetails: { included: true } } : {}),
      ...(execution.error !== undefined ? { error: execution.error } : {}),
      ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
    };
  }

  private sendTaskSuccess(body: Body) {
    const task = this.openTaskFor(required(body, 'taskToken'));
    const output = required(body, 'output');
    let value: unknown;
    try {
      value = JSON.parse(output);
    } catch {
      throw new SfnError('InvalidOutput', `Invalid Output: 'The output is not valid JSON'`);
    }
    task.succeed(value);
    return {};
  }

  private sendTaskFailure(body: Body) {
    const task = this.openTaskFor(required(body, 'taskToken'));
    const error = optional(body, 'error');
    const cause = optional(body, 'cause');
    if (error !== undefined && error.length > 256) throw validation('error', 'Member must have length less than or equal to 256');
    if (cause !== undefined && cause.length > 32_768) throw validation('cause', 'Member must have length less than or equal to 32768');
    task.fail(new StatesError(error ?? '', cause));
    return {};
  }

  /**
   * A token that does not decode is InvalidToken; one this endpoint never handed out is
   * TaskDoesNotExist; one whose task is over (it timed out, already got its answer, or its
   * execution ended) is TaskTimedOut, with the message the service gives.
   */
  private openTaskFor(token: string): OpenTask {
    if (!decodeToken(token)) throw new SfnError('InvalidToken', "Invalid Token: 'Invalid token'");
    const task = this.tasks.get(token);
    if (task) return task;
    if (this.issuedTokens.has(token)) throw new SfnError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    throw new SfnError('TaskDoesNotExist', "Task Does Not Exist: 'Provided task does not exist'");
  }

  // ExecutionHost

  mintToken(executionArn: string): string {
    const token = Buffer.from(JSON.stringify({ v: 1, e: executionArn, t: randomUUID() })).toString('base64url');
    this.issuedTokens.add(token);
    return token;
  }

  openTask(task: OpenTask): void {
    this.tasks.set(task.token, task);
    this.changed();
  }

  closeTask(token: string): void {
    this.tasks.delete(token);
    this.changed();
  }

  changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Resolves with `probe()` once it returns something other than undefined (checked after every change). */
  waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const now = probe();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      const listener = () => {
        const value = probe();
        if (value === undefined) return;
        done();
        resolve(value);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`Step Functions test endpoint: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  stop(): void {
    for (const execution of this.executions.values()) execution.abort();
  }
}

function decodeToken(token: string): { e: string } | undefined {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: unknown; e?: unknown };
    return decoded.v === 1 && typeof decoded.e === 'string' ? { e: decoded.e } : undefined;
  } catch {
    return undefined;
  }
}

function required(body: Body, field: string): string {
  const value = body[field];
  if (value === undefined || value === null) throw validation(field, 'Member must not be null', 'null');
  if (typeof value !== 'string') throw new SfnError('SerializationException', `Expected a string for '${field}'`);
  return value;
}

function optional(body: Body, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new SfnError('SerializationException', `Expected a string for '${field}'`);
  return value;
}

function validation(field: string, constraint: string, value = '...'): SfnError {
  return new SfnError('ValidationException', `1 validation error detected: Value ${value} at '${field}' failed to satisfy constraint: ${constraint}`);
}

/** Names: 1–80 characters, none of white space, < > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : / or control characters. */
function checkName(name: string): void {
  const forbidden = [...name].some((char) => {
    const code = char.codePointAt(0)!;
    return /\s/.test(char) || '<>{}[]?*"#%\\^|~`$&,;:/'.includes(char) || code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0xfffe || code === 0xffff;
  });
  if (name.length === 0 || name.length > 80 || forbidden) throw new SfnError('InvalidName', `Invalid Name: '${name}'`);
}

function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}
