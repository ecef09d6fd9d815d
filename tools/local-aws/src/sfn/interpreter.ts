import type { Catcher, ChoiceState, Definition, Retrier, State, TaskState } from './definition';
import { runtimeError, StatesError } from './errors';
import { invokeIntegration, invokeLambda, type Integrations } from './integrations';
import { applyTemplate, readPath, selectPath, writePath } from './paths';

/** Time as the interpreter sees it: tests pass a fast clock so that timeouts and retries take milliseconds. */
export interface SfnClock {
  now(): Date;
  /** Calls `callback` after `ms`; returns a function that cancels it. */
  schedule(callback: () => void, ms: number): () => void;
}

/** Longer than setTimeout can wait (about 24.8 days): such a timer never fires in a test process. */
const MAX_TIMER_MS = 2_147_483_647;

export const realClock: SfnClock = {
  now: () => new Date(),
  schedule(callback, ms) {
    if (ms > MAX_TIMER_MS) return () => undefined;
    const timer = setTimeout(callback, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** A clock whose timers run `factor` times as long (0.001: a 60-second timeout fires after 60 ms). */
export function scaledClock(factor: number): SfnClock {
  return { now: () => new Date(), schedule: (callback, ms) => realClock.schedule(callback, ms * factor) };
}

/** A task handed out at a `.waitForTaskToken` state, until it succeeds, fails or times out. */
export interface OpenTask {
  token: string;
  executionArn: string;
  state: string;
  /** The `Payload` the state sent to the function (with the token in it). */
  payload: unknown;
  succeed(output: unknown): void;
  fail(error: StatesError): void;
  heartbeat(): void;
}

/** What an execution needs from the service that owns it. */
export interface ExecutionHost {
  readonly clock: SfnClock;
  readonly integrations: Integrations;
  mintToken(executionArn: string): string;
  openTask(task: OpenTask): void;
  closeTask(token: string): void;
  changed(): void;
}

export interface StateMachineRecord {
  arn: string;
  name: string;
  roleArn: string;
  definition: Definition;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

type Step = { kind: 'next'; next: string; output: unknown } | { kind: 'succeed'; output: unknown } | { kind: 'fail'; error?: string; cause?: string };

const DEFAULT_RETRY = { IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 };
/** Errors no Retry or Catch can handle: the execution fails. */
const TERMINAL = new Set(['States.Runtime', 'States.DataLimitExceeded']);
const TIMEOUTS = new Set(['States.Timeout', 'States.HeartbeatTimeout']);

/** Whether a Retrier's / Catcher's ErrorEquals covers an error, with the States.* wildcards. */
export function errorMatches(errorEquals: readonly string[], error: string): boolean {
  if (TERMINAL.has(error)) return false;
  return errorEquals.some(
    (name) =>
      name === error ||
      name === 'States.ALL' ||
      (name === 'States.TaskFailed' && !TIMEOUTS.has(error)) ||
      (name === 'States.Timeout' && error === 'States.HeartbeatTimeout'),
  );
}

/** One execution of a state machine, run from StartAt to a terminal state. */
export class Execution {
  status: ExecutionStatus = 'RUNNING';
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** State names in the order they were entered. */
  readonly visited: string[] = [];
  private aborted = false;
  private enteredTime: Date;
  /** Ends whatever the execution is waiting on (a task, a retry delay) when it is aborted. */
  private interrupt?: (error: StatesError) => void;

  constructor(
    readonly arn: string,
    readonly name: string,
    readonly stateMachine: StateMachineRecord,
    readonly input: string,
    readonly startDate: Date,
    private readonly host: ExecutionHost,
  ) {
    this.enteredTime = startDate;
  }

  /** Runs asynchronously, as the service does after StartExecution has answered. */
  start(): void {
    setImmediate(() => void this.run());
  }

  abort(): void {
    if (this.status !== 'RUNNING') return;
    this.aborted = true;
    this.finish('ABORTED', {});
    this.interrupt?.(new StatesError('States.Aborted'));
  }

  private async run(): Promise<void> {
    const { definition } = this.stateMachine;
    let name = definition.StartAt;
    let input = JSON.parse(this.input) as unknown;
    try {
      for (;;) {
        if (this.aborted) return;
        const state: State | undefined = definition.States[name];
        if (!state) throw runtimeError(`No state named ${name}`);
        this.enteredTime = this.host.clock.now();
        this.visited.push(name);
        this.host.changed();
        const step = await this.runState(name, state, input);
        if (this.aborted) return;
        if (step.kind === 'succeed') return this.finish('SUCCEEDED', { output: JSON.stringify(step.output) });
        if (step.kind === 'fail') return this.finish('FAILED', { error: step.error, cause: step.cause });
        name = step.next;
        input = step.output;
      }
    } catch (caught) {
      if (this.aborted) return;
      const failure = caught instanceof StatesError ? caught : runtimeError(caught instanceof Error ? caught.message : String(caught));
      this.finish('FAILED', { error: failure.error, cause: failure.cause });
    }
  }

  private finish(status: ExecutionStatus, result: { output?: string; error?: string; cause?: string }): void {
    if (this.status !== 'RUNNING') return;
    Object.assign(this, { status, stopDate: this.host.clock.now() }, result);
    this.host.changed();
  }

  private async runState(name: string, state: State, input: unknown): Promise<Step> {
    switch (state.Type) {
      case 'Succeed':
        return { kind: 'succeed', output: selectPath(state.OutputPath, selectPath(state.InputPath, input)) };
      case 'Fail':
        return { kind: 'fail', error: state.Error, cause: state.Cause };
      case 'Choice':
        return this.choose(name, state, input);
      case 'Task':
        return this.runTask(name, state, input);
    }
  }

  private choose(name: string, state: ChoiceState, input: unknown): Step {
    const effective = selectPath(state.InputPath, input);
    const context = this.context(name, 0);
    const rule = state.Choices.find((choice) => readPath(choice.Variable, effective, context) === choice.StringEquals);
    const next = rule?.Next ?? state.Default;
    if (next === undefined) throw new StatesError('States.NoChoiceMatched', `No Choice Rule matched and no Default is specified in the state ${name}`);
    return { kind: 'next', next, output: selectPath(state.OutputPath, effective) };
  }

  private async runTask(name: string, state: TaskState, input: unknown): Promise<Step> {
    const effective = selectPath(state.InputPath, input);
    const retriesBy = new Map<Retrier, number>();
    let retryCount = 0;
    for (;;) {
      try {
        const result = await this.attempt(name, state, effective, retryCount);
        const selected = state.ResultSelector === undefined ? result : applyTemplate(state.ResultSelector, result, this.context(name, retryCount));
        const output = selectPath(state.OutputPath, writePath(input, state.ResultPath, selected));
        return state.End ? { kind: 'succeed', output } : { kind: 'next', next: state.Next!, output };
      } catch (caught) {
        const error = caught instanceof StatesError ? caught : runtimeError(caught instanceof Error ? caught.message : String(caught));
        if (this.aborted) throw error;
        // The first retrier whose ErrorEquals matches decides; MaxAttempts 0 means "never retry".
        const retrier = state.Retry?.find((candidate) => errorMatches(candidate.ErrorEquals, error.error));
        const done = retrier ? (retriesBy.get(retrier) ?? 0) : 0;
        if (retrier && done < (retrier.MaxAttempts ?? DEFAULT_RETRY.MaxAttempts)) {
          retriesBy.set(retrier, done + 1);
          retryCount += 1;
          await this.sleep(retryDelayMs(retrier, done));
          continue;
        }
        const catcher: Catcher | undefined = state.Catch?.find((candidate) => errorMatches(candidate.ErrorEquals, error.error));
        if (!catcher) throw error;
        const errorOutput = error.cause === undefined ? { Error: error.error } : { Error: error.error, Cause: error.cause };
        return { kind: 'next', next: catcher.Next, output: writePath(input, catcher.ResultPath, errorOutput) };
      }
    }
  }

  /** One attempt of a task: the call, with TimeoutSeconds, and for `.waitForTaskToken` the wait for its token. */
  private attempt(name: string, state: TaskState, effective: unknown, retryCount: number): Promise<unknown> {
    const { clock, integrations } = this.host;
    const token = state.integration === 'lambda:invoke.waitForTaskToken' ? this.host.mintToken(this.arn) : undefined;
    const parameters = state.Parameters === undefined ? effective : applyTemplate(state.Parameters, effective, this.context(name, retryCount, token));
    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      let cancelTimeout = () => {};
      let cancelHeartbeat = () => {};
      const settle = (action: () => void) => {
        if (settled) return;
        settled = true;
        cancelTimeout();
        cancelHeartbeat();
        this.interrupt = undefined;
        if (token) this.host.closeTask(token);
        action();
      };
      const succeed = (value: unknown) => settle(() => resolve(value));
      const fail = (error: unknown) => settle(() => reject(error));
      this.interrupt = fail;
      if (state.TimeoutSeconds) cancelTimeout = clock.schedule(() => fail(new StatesError('States.Timeout')), state.TimeoutSeconds * 1000);
      if (!token) {
        invokeIntegration(state.integration, parameters, integrations).then(succeed, fail);
        return;
      }
      const armHeartbeat = () => {
        cancelHeartbeat();
        if (state.HeartbeatSeconds) cancelHeartbeat = clock.schedule(() => fail(new StatesError('States.HeartbeatTimeout')), state.HeartbeatSeconds * 1000);
      };
      armHeartbeat();
      const payload = (parameters as { Payload?: unknown } | null)?.Payload;
      this.host.openTask({ token, executionArn: this.arn, state: name, payload, succeed, fail, heartbeat: armHeartbeat });
      // The function's result is ignored; its failure (before a decision arrived) fails the task.
      invokeLambda((parameters ?? {}) as Record<string, unknown>, integrations.lambdas).then(() => undefined, fail);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const cancel = this.host.clock.schedule(() => {
        this.interrupt = undefined;
        resolve();
      }, ms);
      this.interrupt = (error) => {
        cancel();
        reject(error);
      };
    });
  }

  /** The context object (`$$`). */
  private context(stateName: string, retryCount: number, token?: string): unknown {
    return {
      Execution: { Id: this.arn, Input: JSON.parse(this.input) as unknown, Name: this.name, RoleArn: this.stateMachine.roleArn, StartTime: this.startDate.toISOString(), RedriveCount: 0 },
      StateMachine: { Id: this.stateMachine.arn, Name: this.stateMachine.name },
      State: { Name: stateName, EnteredTime: this.enteredTime.toISOString(), RetryCount: retryCount },
      ...(token === undefined ? {} : { Task: { Token: token } }),
    };
  }
}

function retryDelayMs(retrier: Retrier, done: number): number {
  const seconds = (retrier.IntervalSeconds ?? DEFAULT_RETRY.IntervalSeconds) * (retrier.BackoffRate ?? DEFAULT_RETRY.BackoffRate) ** done;
  return Math.min(seconds, retrier.MaxDelaySeconds ?? Infinity) * 1000;
}
