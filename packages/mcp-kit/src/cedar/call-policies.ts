import { createHash } from 'node:crypto';
import type { Actor } from '../auth/actor';
import type { Logger } from '../logging/logger';
import { cedarEngine, type AuthorizationAnswer, type CedarEngine, type EntityJson } from './cedar-engine';
import { locator, metaProblems, policyMeta, REQUIREMENTS, type PolicyMeta, type Requirement } from './policy-annotations';
import { CALLER_TYPE, TOOL_TYPE, type CedarSchemaJson } from './cedar-schema';
import { callPolicyFingerprint, fromStoredMeta, toStoredMeta, type ValidatedCallPolicies } from './validated-call-policies';
import { toCedarValue, type CedarValue } from './cedar-values';

export { REQUIREMENTS, type Requirement } from './policy-annotations';
export type { ValidatedCallPolicies } from './validated-call-policies';

/** The resource a call acts on, as a tool's `resource` loader (or the kit, for the tool itself) gives it. */
export interface CallResource {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
}

export interface CallPolicyRequest {
  tool: string;
  actor: Actor;
  /** The validated arguments. */
  input: unknown;
  resource: CallResource;
}

export type CallPolicyDecision =
  /** `policies`: the permits that allowed the call; `requires`: the most any of them asks for. */
  | { kind: 'allow'; policies: string[]; requires?: Requirement }
  /** `policies`: the forbids that refused it (none: no permit matched, deny by default); `message`: what the caller reads. */
  | { kind: 'deny'; policies: string[]; message: string }
  /** The arguments or resource could not be evaluated (a value Cedar cannot hold, an evaluation error): refused as invalid. */
  | { kind: 'invalid'; message: string };

/** A server's call policies, compiled and validated against its schema. */
export interface CallPolicies {
  /** The policy ids, in file order. */
  readonly ids: readonly string[];
  /** Whether they were validated when the bundle was built (the same text against the same schema), not at this start. */
  readonly validatedAtBuild: boolean;
  /** Whether any policy names the tool: such tools are denied unless a permit matches; the others keep the allowlist's decision alone. */
  governs(tool: string): boolean;
  /** Whether a permit on the tool may require approval (its result may then be a pending approval). */
  mayRequire(tool: string, requirement: Requirement): boolean;
  /** The first decision loads Cedar's engine when the policies were validated at build (a tool no policy names never needs it). */
  decide(request: CallPolicyRequest): Promise<CallPolicyDecision>;
}

/** A policy file that does not parse or validate: each problem with its line and column. */
export class CallPolicyError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`Call policies in ${source} are invalid:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'CallPolicyError';
  }
}

export interface CompileOptions {
  /** Where the text came from, for messages (a file path, an SSM parameter). */
  source: string;
  /** Whether the server can run approvals (a policy requiring one on a server without them is refused). */
  approvals: boolean;
  /**
   * What validating them when the bundle was built found: used instead of validating again
   * when its fingerprint is this text's against this schema (any other text is validated).
   */
  validated?: ValidatedCallPolicies;
  /** Loads Cedar's engine (default: the shared one, imported on first use). */
  engine?: () => Promise<CedarEngine>;
  /** Told when the engine cannot load (each call is then refused). */
  logger?: Logger;
}

/**
 * Parses and validates a server's Cedar policies against the schema of its tools. Every
 * policy carries `@id("…")` (what audit records and refusals name); `@description("…")` is what
 * a refused caller reads; `@requires("approval" | "confirmation")` on a permit raises the risk
 * of the calls it allows. Throws {@link CallPolicyError} naming each problem's line.
 */
export async function compileCallPolicies(text: string, schema: CedarSchemaJson, options: CompileOptions): Promise<CallPolicies> {
  const prevalidated = options.validated?.fingerprint === callPolicyFingerprint(text, schema, options.approvals);
  const checked = prevalidated ? options.validated! : await validateCallPolicies(text, schema, options);
  return evaluator(schema, checked.policies, checked.metas.map(fromStoredMeta), { validatedAtBuild: prevalidated, engine: options.engine ?? cedarEngine, logger: options.logger });
}

/**
 * Validates the policies as {@link compileCallPolicies} does and returns what it found, to be
 * stored with the bundle: the policies one by one and their annotations, under a fingerprint of
 * the text, the schema and whether the server runs approvals.
 */
export async function validateCallPolicies(text: string, schema: CedarSchemaJson, options: CompileOptions): Promise<ValidatedCallPolicies> {
  const cedar = await (options.engine ?? cedarEngine)();
  const at = locator(text, options.source);
  const failIf = (problems: string[]) => {
    if (problems.length > 0) throw new CallPolicyError(options.source, problems);
  };

  const parsed = cedar.checkParsePolicySet({ staticPolicies: text });
  if (parsed.type === 'failure') failIf(parsed.errors.map((error) => at(error)));
  const parts = cedar.policySetTextToParts(text);
  if (parts.type === 'failure') throw new CallPolicyError(options.source, parts.errors.map((error) => at(error)));
  failIf(parts.policy_templates.map(() => `${options.source}: templates are not supported; write each policy out`));

  const metas = parts.policies.map((policy, index) => policyMeta(cedar, policy, `policy${index}`));
  failIf(metaProblems(metas, parts.policies, text, options));

  const validated = cedar.validate({ schema: schema as never, policies: { staticPolicies: text } });
  if (validated.type === 'failure') failIf(validated.errors.map((error) => at(error)));
  else failIf([...validated.validationErrors, ...validated.validationWarnings].map(({ policyId, error }) => at(error, idOf(metas, policyId))));

  return { fingerprint: callPolicyFingerprint(text, schema, options.approvals), policies: parts.policies, metas: metas.map(({ meta }) => toStoredMeta(meta)) };
}

function idOf(metas: { meta: PolicyMeta }[], cedarId: string): string {
  const index = Number(cedarId.replace(/^policy/, ''));
  return metas[index]?.meta.id ?? cedarId;
}

function evaluator(
  schema: CedarSchemaJson,
  policies: readonly string[],
  metas: PolicyMeta[],
  { validatedAtBuild, engine, logger }: { validatedAtBuild: boolean; engine: () => Promise<CedarEngine>; logger: Logger | undefined },
): CallPolicies {
  const byId = new Map(metas.map((meta) => [meta.id, meta]));
  const appliesTo = (meta: PolicyMeta, tool: string) => !meta.tools || meta.tools.has(tool);
  let authorizer: Promise<Authorizer> | undefined;
  const actions = schema[''].actions;

  return {
    ids: metas.map((meta) => meta.id),
    validatedAtBuild,
    governs: (tool) => metas.some((meta) => appliesTo(meta, tool)),
    mayRequire: (tool, requirement) => metas.some((meta) => meta.effect === 'permit' && appliesTo(meta, tool) && meta.requires === requirement),
    async decide(request) {
      const argumentsType = actions[request.tool]?.appliesTo.context.attributes.arguments;
      const args = argumentsType && toCedarValue(request.input, argumentsType);
      if (args === undefined) return { kind: 'invalid', message: `the arguments of ${request.tool} cannot be evaluated by its call policies` };
      const shape = schema[''].entityTypes[request.resource.type]?.shape;
      const attributes = shape && toCedarValue(request.resource.attributes, shape);
      if (attributes === undefined) return { kind: 'invalid', message: `the ${request.resource.type} that ${request.tool} acts on cannot be evaluated by its call policies` };
      authorizer ??= engine().then((cedar) => createAuthorizer(cedar, schema, policies, (tool) => metas.flatMap((meta, index) => (appliesTo(meta, tool) ? [[meta.id, policies[index]!] as const] : []))));
      let authorize: Authorizer;
      try {
        authorize = await authorizer;
      } catch (error) {
        // Fail closed, and let the next call try again.
        authorizer = undefined;
        logger?.error('call policy engine could not be loaded; refusing calls to the tools the policies name', { tool: request.tool, error: error as Error });
        return { kind: 'deny', policies: [], message: `${request.tool} was refused: this server's call policies cannot be evaluated right now. Nothing was changed; try again later.` };
      }
      const answer = authorize(request, args, attributes as Record<string, unknown>);
      if (answer.type === 'failure') return { kind: 'invalid', message: `${request.tool}: ${answer.errors.map((error) => error.message).join('; ')}` };
      const { decision, diagnostics } = answer.response;
      // An erroring policy is skipped by Cedar: a forbid that could not be evaluated must not let a call through.
      if (diagnostics.errors.length > 0) return { kind: 'invalid', message: `${request.tool}: the arguments could not be evaluated by call policy ${diagnostics.errors.map((error) => error.policyId).join(', ')}` };
      const deciding = diagnostics.reason.map((id) => byId.get(id)).filter((meta): meta is PolicyMeta => meta !== undefined);
      if (decision === 'allow') {
        const requires = REQUIREMENTS.filter((requirement) => deciding.some((meta) => meta.requires === requirement)).pop();
        return { kind: 'allow', policies: diagnostics.reason, ...(requires ? { requires } : {}) };
      }
      return { kind: 'deny', policies: diagnostics.reason, message: refusalMessage(request.tool, deciding) };
    },
  };
}

type Authorizer = (request: CallPolicyRequest, args: CedarValue, resourceAttributes: Record<string, unknown>) => AuthorizationAnswer;

/**
 * Cedar's decision, with the schema and each tool's policies parsed once into the engine's cache
 * under names that change with the content (per tool only the policies that can apply to it:
 * Cedar evaluates every policy it is given). Policies are keyed by their `@id`.
 */
function createAuthorizer(cedar: CedarEngine, schema: CedarSchemaJson, policies: readonly string[], policiesOf: (tool: string) => (readonly [id: string, text: string])[]): Authorizer {
  const name = createHash('sha256').update(JSON.stringify(schema)).update(policies.join('\n')).digest('hex').slice(0, 24);
  cedar.preparseSchema(name, schema as never);
  const policySets = new Map<string, string>();
  const policySetOf = (tool: string) => {
    let id = policySets.get(tool);
    if (!id) {
      id = `${name}/${tool}`;
      cedar.preparsePolicySet(id, { staticPolicies: Object.fromEntries(policiesOf(tool)) });
      policySets.set(tool, id);
    }
    return id;
  };
  return (request, args, resourceAttributes) =>
    cedar.statefulIsAuthorized({
      principal: { type: CALLER_TYPE, id: request.actor.subject },
      action: { type: 'Action', id: request.tool },
      resource: { type: request.resource.type, id: request.resource.id },
      context: { arguments: args },
      preparsedSchemaName: name,
      preparsedPolicySetId: policySetOf(request.tool),
      validateRequest: true,
      entities: [callerEntity(request.actor), entity(request.resource.type, request.resource.id, resourceAttributes)],
    });
}

function refusalMessage(tool: string, forbids: PolicyMeta[]): string {
  if (forbids.length === 0) return `${tool} was refused: no call policy permits this call. Nothing was changed.`;
  const shown = forbids.find((meta) => !meta.confidential);
  if (!shown) return `${tool} was refused by a call policy. Nothing was changed.`;
  return `${tool} was refused by call policy ${shown.id}${shown.description ? `: ${shown.description}` : ''}. Nothing was changed.`;
}

function callerEntity(actor: Actor): EntityJson {
  return entity(CALLER_TYPE, actor.subject, { subject: actor.subject, client_id: actor.clientId, scopes: [...actor.scopes], groups: [...(actor.groups ?? [])] });
}

function entity(type: string, id: string, attributes: Record<string, unknown>): EntityJson {
  return { uid: { type, id }, attrs: attributes as Record<string, CedarValue>, parents: [] };
}

/** The resource of a tool that declares none: the tool itself. */
export function toolResource(tool: { name: string; owner: string; scope: string; classification: string }): CallResource {
  return { type: TOOL_TYPE, id: tool.name, attributes: { name: tool.name, owner: tool.owner, scope: tool.scope, classification: tool.classification } };
}
