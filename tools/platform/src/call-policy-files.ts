import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  cedarEngine,
  compileCallPolicies,
  toolResource,
  validateInput,
  RISK_LEVELS,
  type Actor,
  type CallPolicies,
} from '@gmcp/mcp-kit/platform';
import { callPolicySchemaOf, servedToolSet, servesApprovals, type ServerName } from '@gmcp/infra';
import { devGroupsOf } from './local-contract';
import { GOVERNANCE_DIR } from './allowlist-pins';

/** Beside each allowlist: the call policies, their tests, and the schema they are validated against (generated, checked in). */
export const callPolicyPaths = (server: string, dir = GOVERNANCE_DIR) => ({
  policies: join(dir, `${server}.cedar`),
  tests: join(dir, `${server}.cedar-tests.json`),
  schema: join(dir, 'definitions', `${server}.cedarschema`),
});

export { callPolicySchemaOf as schemaOf, servedToolSet } from '@gmcp/infra';

/** The schema in Cedar's own text form, as `npm run policy -- schema` writes it for review. */
export async function schemaText(server: ServerName): Promise<string> {
  const answer = (await cedarEngine()).schemaToText(callPolicySchemaOf(server) as never);
  if (answer.type === 'failure') throw new Error(`${server}: the generated Cedar schema is invalid: ${answer.errors.map((error) => error.message).join('; ')}`);
  return `// Generated from ${server}'s tools by \`npm run policy -- schema\`: do not edit. Call policies are validated against it.\n${answer.text}`;
}

/** The server's call policies compiled against its tools, or undefined when it has no policy file. */
export async function compileServerPolicies(server: ServerName, dir = GOVERNANCE_DIR): Promise<CallPolicies | undefined> {
  const { policies } = callPolicyPaths(server, dir);
  if (!existsSync(policies)) return undefined;
  return compileCallPolicies(readFileSync(policies, 'utf8'), callPolicySchemaOf(server), { source: policies, approvals: servesApprovals(server) });
}

const Principal = z.strictObject({
  subject: z.string().min(1),
  /** Default: the development user's groups (config/dev-users.json). */
  groups: z.array(z.string()).optional(),
  scopes: z.array(z.string()).default([]),
  client_id: z.string().default('assistant'),
});

/** What a call comes to under the policies: run, run after the user confirms or a second person approves, refused, or invalid. */
export const OUTCOMES = ['allow', 'confirmation', 'approval', 'deny', 'invalid'] as const;

const PolicyTestCase = z.strictObject({
  name: z.string().min(1),
  tool: z.string().min(1),
  as: Principal,
  arguments: z.record(z.string(), z.unknown()).default({}),
  /** For tools that act on a resource: what its loader would return. */
  resource: z.strictObject({ id: z.string().min(1), attributes: z.record(z.string(), z.unknown()) }).optional(),
  expect: z.strictObject({ decision: z.enum(OUTCOMES), policies: z.array(z.string()).optional() }),
});
export type PolicyTestCase = z.output<typeof PolicyTestCase>;

const PolicyTestFile = z.strictObject({ $comment: z.string().optional(), cases: z.array(PolicyTestCase).min(1) });

export interface Explanation {
  decision: (typeof OUTCOMES)[number];
  policies: readonly string[];
  message?: string;
}

/** One call under the policies, as the server would decide it (arguments validated first). */
export async function explain(server: ServerName, policies: CallPolicies | undefined, call: Omit<PolicyTestCase, 'name' | 'expect'>): Promise<Explanation> {
  const tool = servedToolSet(server).get(call.tool);
  if (!tool) throw new Error(`${server} has no tool ${call.tool}`);
  const validated = validateInput(tool, call.arguments);
  if (!validated.ok) return { decision: 'invalid', policies: [], message: validated.error.message };
  const { definition } = tool;
  if (!policies?.governs(call.tool)) {
    if (definition.callPolicy === 'required') return { decision: 'deny', policies: [], message: `${call.tool} runs only under a call policy, and ${server} has none for it` };
    return { decision: riskOutcome(definition.risk, definition.access), policies: [], message: 'no call policy names this tool: the allowlist decides alone' };
  }
  if (definition.resource && !call.resource) throw new Error(`${call.tool} acts on a ${definition.resource.type}: give its id and attributes (resource)`);
  const resource = definition.resource ? { type: definition.resource.type, ...call.resource! } : toolResource(definition);
  const decision = await policies.decide({ tool: call.tool, actor: actorOf(call.as), input: validated.input, resource });
  if (decision.kind === 'invalid') return { decision: 'invalid', policies: [], message: decision.message };
  if (decision.kind === 'deny') return { decision: 'deny', policies: decision.policies, message: decision.message };
  const raised = decision.requires === 'approval' ? 'high' : decision.requires === 'confirmation' ? 'medium' : definition.risk;
  const risk = RISK_LEVELS.indexOf(raised) > RISK_LEVELS.indexOf(definition.risk) ? raised : definition.risk;
  return { decision: riskOutcome(risk, definition.access), policies: decision.policies };
}

function riskOutcome(risk: string, access: string): Explanation['decision'] {
  if (risk === 'high') return 'approval';
  return risk === 'medium' && access === 'write' ? 'confirmation' : 'allow';
}

function actorOf(principal: z.output<typeof Principal>): Actor {
  return {
    subject: principal.subject,
    clientId: principal.client_id,
    scopes: new Set(principal.scopes),
    groups: new Set(principal.groups ?? devGroupsOf(principal.subject)),
    issuer: 'policy-test',
    expiresAt: 0,
  };
}

export interface PolicyTestResult {
  name: string;
  passed: boolean;
  expected: PolicyTestCase['expect'];
  actual: Explanation;
}

/** Runs the test cases kept beside a server's policies; throws when the file is missing or malformed. */
export async function runPolicyTests(server: ServerName, dir = GOVERNANCE_DIR): Promise<PolicyTestResult[]> {
  const { tests } = callPolicyPaths(server, dir);
  const parsed = PolicyTestFile.safeParse(JSON.parse(readFileSync(tests, 'utf8')));
  if (!parsed.success) throw new Error(`${tests} is invalid:\n${z.prettifyError(parsed.error)}`);
  const policies = await compileServerPolicies(server, dir);
  return Promise.all(parsed.data.cases.map(async (testCase) => {
    const actual = await explain(server, policies, testCase);
    const policiesMatch = !testCase.expect.policies || JSON.stringify([...actual.policies].sort()) === JSON.stringify([...testCase.expect.policies].sort());
    return { name: testCase.name, passed: actual.decision === testCase.expect.decision && policiesMatch, expected: testCase.expect, actual };
  }));
}
