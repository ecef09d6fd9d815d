import { SfnError } from './errors';
import { parsePath } from './paths';

/**
 * The part of the Amazon States Language (JSONPath query language) the test endpoint runs.
 * CreateStateMachine checks the structure the service checks (JSON, StartAt, States,
 * transition targets) and refuses, with InvalidDefinition, anything outside the subset, so
 * that a definition is never silently half-interpreted.
 */
export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
}

export interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}

interface Flow {
  Comment?: string;
  InputPath?: string | null;
  OutputPath?: string | null;
  Next?: string;
  End?: boolean;
}

export type TaskResource = 'lambda:invoke' | 'lambda:invoke.waitForTaskToken' | 'dynamodb:updateItem';

export interface TaskState extends Flow {
  Type: 'Task';
  Resource: string;
  /** Which integration the Resource names. */
  integration: TaskResource;
  Parameters?: unknown;
  ResultSelector?: unknown;
  ResultPath?: string | null;
  TimeoutSeconds?: number;
  HeartbeatSeconds?: number;
  Retry?: Retrier[];
  Catch?: Catcher[];
}

export interface ChoiceState extends Flow {
  Type: 'Choice';
  Choices: { Variable: string; StringEquals: string; Next: string }[];
  Default?: string;
}

export interface SucceedState extends Flow {
  Type: 'Succeed';
}

export interface FailState {
  Type: 'Fail';
  Comment?: string;
  Error?: string;
  Cause?: string;
}

export type State = TaskState | ChoiceState | SucceedState | FailState;

export interface Definition {
  StartAt: string;
  States: Record<string, State>;
}

const RESOURCE = /^arn:aws[\w-]*:states:::(lambda:invoke(?:\.waitForTaskToken)?|dynamodb:updateItem)$/;
const STATE_FIELDS: Record<State['Type'], readonly string[]> = {
  Task: ['Type', 'Comment', 'InputPath', 'OutputPath', 'Next', 'End', 'Resource', 'Parameters', 'ResultSelector', 'ResultPath', 'TimeoutSeconds', 'HeartbeatSeconds', 'Retry', 'Catch', 'QueryLanguage'],
  Choice: ['Type', 'Comment', 'InputPath', 'OutputPath', 'Choices', 'Default', 'QueryLanguage'],
  Succeed: ['Type', 'Comment', 'InputPath', 'OutputPath', 'QueryLanguage'],
  Fail: ['Type', 'Comment', 'Error', 'Cause', 'QueryLanguage'],
};

const invalid = (code: string, message: string) => new SfnError('InvalidDefinition', `Invalid State Machine Definition: '${code}: ${message}'`);
const unsupported = (message: string, at: string) => invalid('UNSUPPORTED_BY_TEST_ENDPOINT', `${message} at ${at}`);

export function parseDefinition(text: string): Definition {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw invalid('INVALID_JSON_DESCRIPTION', 'The definition is not valid JSON');
  }
  if (!isRecord(raw)) throw invalid('SCHEMA_VALIDATION_FAILED', 'The definition must be a JSON object at /');
  if (typeof raw.StartAt !== 'string') throw invalid('SCHEMA_VALIDATION_FAILED', 'The field "StartAt" is required at /');
  if (!isRecord(raw.States) || Object.keys(raw.States).length === 0) throw invalid('SCHEMA_VALIDATION_FAILED', 'The field "States" is required at /');
  if (raw.QueryLanguage !== undefined && raw.QueryLanguage !== 'JSONPath') throw unsupported('Only the JSONPath query language is interpreted', '/QueryLanguage');
  for (const key of Object.keys(raw)) {
    if (!['StartAt', 'States', 'Comment', 'Version', 'QueryLanguage'].includes(key)) throw unsupported(`The top-level field "${key}" is not interpreted`, '/');
  }
  const states: Record<string, State> = {};
  for (const [name, value] of Object.entries(raw.States)) states[name] = parseState(name, value);
  const targets: [string, string][] = [['/StartAt', raw.StartAt]];
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Fail') continue;
    if (state.Next !== undefined) targets.push([`/States/${name}/Next`, state.Next]);
    if (state.Type === 'Choice') {
      state.Choices.forEach((choice, index) => targets.push([`/States/${name}/Choices/${index}/Next`, choice.Next]));
      if (state.Default !== undefined) targets.push([`/States/${name}/Default`, state.Default]);
    }
    if (state.Type === 'Task') state.Catch?.forEach((catcher, index) => targets.push([`/States/${name}/Catch/${index}/Next`, catcher.Next]));
  }
  for (const [at, target] of targets) {
    if (!(target in states)) throw invalid('MISSING_TRANSITION_TARGET', `Missing 'Next' target: ${target} at ${at}`);
  }
  return { StartAt: raw.StartAt, States: states };
}

function parseState(name: string, value: unknown): State {
  const at = `/States/${name}`;
  if (!isRecord(value) || typeof value.Type !== 'string') throw invalid('SCHEMA_VALIDATION_FAILED', `The field "Type" is required at ${at}`);
  const type = value.Type;
  if (!(type in STATE_FIELDS)) throw unsupported(`States of type ${type} are not interpreted`, at);
  const allowed = STATE_FIELDS[type as State['Type']];
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw unsupported(`The field "${key}" is not interpreted`, at);
  }
  if (value.QueryLanguage !== undefined && value.QueryLanguage !== 'JSONPath') throw unsupported('Only the JSONPath query language is interpreted', at);
  for (const field of ['InputPath', 'OutputPath', 'ResultPath'] as const) {
    const path = value[field];
    if (path !== undefined && path !== null) checkPath(path, `${at}/${field}`);
  }
  if (type !== 'Choice' && type !== 'Succeed' && type !== 'Fail') {
    if ((value.Next === undefined) === (value.End !== true)) throw invalid('SCHEMA_VALIDATION_FAILED', `Exactly one of "Next" or "End" is required at ${at}`);
  }
  if (type === 'Task') {
    const match = typeof value.Resource === 'string' ? RESOURCE.exec(value.Resource) : null;
    if (!match) throw unsupported(`Resource ${JSON.stringify(value.Resource)} is not interpreted (only lambda:invoke, lambda:invoke.waitForTaskToken and dynamodb:updateItem)`, `${at}/Resource`);
    for (const field of ['TimeoutSeconds', 'HeartbeatSeconds'] as const) {
      const seconds = value[field];
      if (seconds !== undefined && (!Number.isInteger(seconds) || (seconds as number) < 1)) throw invalid('SCHEMA_VALIDATION_FAILED', `${field} must be a positive integer at ${at}`);
    }
    for (const [index, retrier] of ((value.Retry as unknown[] | undefined) ?? []).entries()) checkErrorEquals(retrier, `${at}/Retry/${index}`);
    for (const [index, catcher] of ((value.Catch as unknown[] | undefined) ?? []).entries()) {
      checkErrorEquals(catcher, `${at}/Catch/${index}`);
      if (typeof (catcher as Catcher).Next !== 'string') throw invalid('SCHEMA_VALIDATION_FAILED', `The field "Next" is required at ${at}/Catch/${index}`);
    }
    return { ...(value as unknown as TaskState), integration: match[1] as TaskResource };
  }
  if (type === 'Choice') {
    if (!Array.isArray(value.Choices) || value.Choices.length === 0) throw invalid('SCHEMA_VALIDATION_FAILED', `The field "Choices" is required at ${at}`);
    value.Choices.forEach((rule: unknown, index) => {
      const keys = isRecord(rule) ? Object.keys(rule).sort().join(',') : '';
      if (keys !== 'Next,StringEquals,Variable' || typeof (rule as { StringEquals: unknown }).StringEquals !== 'string') {
        throw unsupported('Only { Variable, StringEquals, Next } choice rules are interpreted', `${at}/Choices/${index}`);
      }
      checkPath((rule as { Variable: unknown }).Variable, `${at}/Choices/${index}/Variable`);
    });
  }
  return value as unknown as State;
}

function checkErrorEquals(value: unknown, at: string): void {
  if (!isRecord(value) || !Array.isArray(value.ErrorEquals) || value.ErrorEquals.length === 0 || !value.ErrorEquals.every((name) => typeof name === 'string')) {
    throw invalid('SCHEMA_VALIDATION_FAILED', `The field "ErrorEquals" must be a non-empty list of error names at ${at}`);
  }
}

function checkPath(path: unknown, at: string): void {
  try {
    if (typeof path !== 'string') throw new Error();
    parsePath(path);
  } catch {
    throw invalid('SCHEMA_VALIDATION_FAILED', `The value for the field must be a valid JSONPath at ${at}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
