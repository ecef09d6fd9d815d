import { z } from 'zod';
import { defineTool, ToolError } from '../src/index';
import { cedarSchemaOf } from '../src/cedar/cedar-schema';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallPolicyError, compileCallPolicies, toolResource, validateCallPolicies, type CallResource } from '../src/cedar/call-policies';
import { readValidatedCallPolicies } from '../src/cedar/validated-call-policies';
import { cedarEngine } from '../src/cedar/cedar-engine';
import type { Actor } from '../src/auth/actor';
import type { CallPolicies } from '../src/cedar/call-policies';
import { createCallPolicyProvider } from '../src/governance/call-policy-provider';
import { checkCallPolicies } from '../src/pipeline/check-call-policies';
import type { Caller } from '../src/pipeline/call';
import { createToolSet, type RegisteredTool } from '../src/tool/tool-set';
import { createLogger } from '../src/logging/logger';
import { createMemoryMetrics } from '../src/metrics/memory-metrics';

// Call policies against Cedar's own engine (the WebAssembly build), with tools declared as apps declare them.
const Ticket = z.object({ team: z.string(), requester: z.string(), opened_at: z.date() });

const changeSeverity = defineTool({
  name: 'change_severity',
  title: 'Change severity',
  description: 'Changes an incident severity.',
  owner: 'sre',
  scope: 'incidents:write',
  risk: 'low',
  access: 'write',
  classification: 'internal',
  input: z.object({ incident_id: z.string(), severity: z.enum(['SEV1', 'SEV2', 'SEV3', 'SEV4']), reason: z.string().optional(), impact: z.number(), count: z.number().int().default(1) }),
  output: z.object({ ok: z.boolean() }),
  handler: async () => ({ ok: true }),
});

const updateTicket = defineTool({
  name: 'update_ticket',
  title: 'Update ticket',
  description: 'Updates a ticket.',
  owner: 'service-desk',
  scope: 'tickets:write',
  risk: 'medium',
  access: 'write',
  classification: 'internal',
  input: z.object({ ticket_id: z.string(), labels: z.array(z.string()).default([]) }),
  output: z.object({ ok: z.boolean() }),
  resource: {
    type: 'Ticket',
    shape: Ticket,
    load: async ({ ticket_id }) => {
      if (ticket_id === 'missing') throw new ToolError('no such ticket');
      return { id: ticket_id, attributes: { team: 'network', requester: 'bob', opened_at: new Date('2026-01-02T03:04:05Z') } };
    },
  },
  handler: async () => ({ ok: true }),
});

const schema = cedarSchemaOf([changeSeverity, updateTicket] as never);
const actor = (subject: string, groups: string[] = []): Actor => ({ subject, clientId: 'assistant', scopes: new Set(['incidents:write']), groups: new Set(groups), issuer: 'test', expiresAt: 0 });
const ticket: CallResource = { type: 'Ticket', id: 'TCK-1', attributes: { team: 'network', requester: 'bob', opened_at: new Date('2026-01-02T03:04:05Z') } };
const severityTool = toolResource(changeSeverity);

const SHIPPED = `
@id("severity-low-at-once")
permit(principal, action == Action::"change_severity", resource)
when { ["SEV3", "SEV4"].contains(context.arguments.severity) };

@id("severity-high-needs-approval")
@requires("approval")
permit(principal, action == Action::"change_severity", resource)
when { ["SEV1", "SEV2"].contains(context.arguments.severity) };

@id("own-team-tickets")
@description("Tickets are updated by members of their team")
permit(principal, action == Action::"update_ticket", resource)
when { principal.groups.contains(resource.team) };

@id("no-frozen-label")
@description("The frozen label is set by change management only")
forbid(principal, action == Action::"update_ticket", resource)
when { context.arguments.labels.contains("frozen") };
`;

describe('call policies (Cedar)', () => {
  test('the schema types each tool\'s validated arguments and leaves out what Cedar cannot hold', () => {
    const actions = schema[''].actions;
    expect(actions.change_severity!.appliesTo.resourceTypes).toEqual(['Tool']);
    expect(actions.change_severity!.appliesTo.context.attributes.arguments).toEqual({
      type: 'Record',
      attributes: { incident_id: { type: 'String' }, severity: { type: 'String' }, reason: { type: 'String', required: false }, count: { type: 'Long' } },
    });
    expect(actions.update_ticket!.appliesTo.resourceTypes).toEqual(['Ticket']);
    expect(schema[''].entityTypes.Ticket!.shape.attributes).toEqual({ team: { type: 'String' }, requester: { type: 'String' }, opened_at: { type: 'String' } });
  });

  test('a permit requiring approval raises the call; forbid wins; no permit denies', async () => {
    const policies = await compileCallPolicies(SHIPPED, schema, { source: 'ops-writer.cedar', approvals: true });
    expect(policies.ids).toEqual(['severity-low-at-once', 'severity-high-needs-approval', 'own-team-tickets', 'no-frozen-label']);
    const severity = (value: string) => policies.decide({ tool: 'change_severity', actor: actor('alice'), input: { incident_id: 'INC-1', severity: value, impact: 0.5, count: 1 }, resource: severityTool });
    expect(await severity('SEV3')).toEqual({ kind: 'allow', policies: ['severity-low-at-once'] });
    expect(await severity('SEV1')).toEqual({ kind: 'allow', policies: ['severity-high-needs-approval'], requires: 'approval' });

    const update = (groups: string[], labels: string[]) => policies.decide({ tool: 'update_ticket', actor: actor('alice', groups), input: { ticket_id: 'TCK-1', labels }, resource: ticket });
    expect(await update(['network'], [])).toEqual({ kind: 'allow', policies: ['own-team-tickets'] });
    expect(await update(['database'], [])).toEqual({ kind: 'deny', policies: [], message: 'update_ticket was refused: no call policy permits this call. Nothing was changed.' });
    expect(await update(['network'], ['frozen'])).toEqual({
      kind: 'deny',
      policies: ['no-frozen-label'],
      message: 'update_ticket was refused by call policy no-frozen-label: The frozen label is set by change management only. Nothing was changed.',
    });
    expect(policies.governs('update_ticket')).toBe(true);
    expect(policies.mayRequire('change_severity', 'approval')).toBe(true);
    expect(policies.mayRequire('update_ticket', 'approval')).toBe(false);
  });

  test('tools no policy names are not governed by them', async () => {
    const policies = await compileCallPolicies('@id("p") permit(principal, action == Action::"change_severity", resource);', schema, { source: 'x.cedar', approvals: false });
    expect(policies.governs('change_severity')).toBe(true);
    expect(policies.governs('update_ticket')).toBe(false);
  });

  test('a confidential forbid names no rule to the caller', async () => {
    const policies = await compileCallPolicies('@id("p") permit(principal, action, resource);\n@id("secret-rule") @confidential forbid(principal, action, resource) when { principal.subject == "mallory" };', schema, { source: 'x.cedar', approvals: false });
    const decision = await policies.decide({ tool: 'change_severity', actor: actor('mallory'), input: { incident_id: 'INC-1', severity: 'SEV4', count: 1 }, resource: severityTool });
    expect(decision).toEqual({ kind: 'deny', policies: ['secret-rule'], message: 'change_severity was refused by a call policy. Nothing was changed.' });
  });

  test.each([
    ['a syntax error, with its line', '@id("a")\npermit(principal, action, resource) when { ) };', /x\.cedar:2:\d+: .*unexpected token/],
    ['an argument the tool does not have', '@id("a")\npermit(principal, action == Action::"change_severity", resource)\nwhen { context.arguments.priority == "P1" };', /x\.cedar:3:\d+: policy a: .*arguments\.priority.*not found/],
    ['an argument Cedar cannot represent', '@id("a") permit(principal, action == Action::"change_severity", resource) when { context.arguments.impact > 1 };', /policy a: .*arguments\.impact/],
    ['a missing @id', 'permit(principal, action, resource);', /x\.cedar:1:1: every policy needs an @id/],
    ['an @id used twice', '@id("a") permit(principal, action, resource);\n@id("a") permit(principal, action, resource);', /x\.cedar:2:1: @id\("a"\) is used twice/],
    ['an unknown requirement', '@id("a") @requires("luck") permit(principal, action, resource);', /@requires must be one of confirmation, approval/],
    ['a requirement on a forbid', '@id("a") @requires("approval") forbid(principal, action, resource);', /@requires belongs on a permit/],
    ['an approval on a server without approvals', '@id("a") @requires("approval") permit(principal, action, resource);', /this server has no approval workflow/],
    ['an unknown tool', '@id("a") permit(principal, action == Action::"drop_tables", resource);', /policy a: .*drop_tables/],
  ])('refuses %s', async (_name, text, message) => {
    const compiled = compileCallPolicies(text, schema, { source: 'x.cedar', approvals: false });
    await expect(compiled).rejects.toThrow(CallPolicyError);
    await expect(compiled).rejects.toThrow(message);
  });

  test('arguments or resources that cannot be evaluated are refused as invalid, never allowed', async () => {
    const policies = await compileCallPolicies('@id("p") permit(principal, action, resource);\n@id("f") forbid(principal, action == Action::"change_severity", resource) when { context.arguments.count * 1000000000000 > 1 };', schema, { source: 'x.cedar', approvals: false });
    const overflow = await policies.decide({ tool: 'change_severity', actor: actor('alice'), input: { incident_id: 'INC-1', severity: 'SEV4', count: 100_000_000 }, resource: severityTool });
    expect(overflow.kind).toBe('invalid');
    const unsafe = await policies.decide({ tool: 'change_severity', actor: actor('alice'), input: { incident_id: 'INC-1', severity: 'SEV4', count: 2 ** 60 }, resource: severityTool });
    expect(unsafe).toEqual({ kind: 'invalid', message: 'the arguments of change_severity cannot be evaluated by its call policies' });
    const badTicket = await policies.decide({ tool: 'update_ticket', actor: actor('alice'), input: { ticket_id: 'TCK-1', labels: [] }, resource: { ...ticket, attributes: { team: 7 } } });
    expect(badTicket.kind).toBe('invalid');
  });
});

describe('call policies validated when the bundle was built', () => {
  const options = { source: 'ops-writer.cedar', approvals: true };
  const sev1 = (policies: CallPolicies) => policies.decide({ tool: 'change_severity', actor: actor('alice'), input: { incident_id: 'INC-1', severity: 'SEV1', impact: 0.5, count: 1 }, resource: severityTool });

  test('the same text against the same schema is not validated again, and decides as a fresh compile does', async () => {
    const validated = await validateCallPolicies(SHIPPED, schema, options);
    const reused = await compileCallPolicies(SHIPPED, schema, { ...options, validated });
    const fresh = await compileCallPolicies(SHIPPED, schema, options);
    expect([reused.validatedAtBuild, fresh.validatedAtBuild]).toEqual([true, false]);
    expect(reused.ids).toEqual(fresh.ids);
    expect(await sev1(reused)).toEqual(await sev1(fresh));
    expect(reused.governs('update_ticket')).toBe(true);
  });

  test('what was validated is what decides: the record, bound to the text by its fingerprint, is used as it is', async () => {
    const validated = await validateCallPolicies(SHIPPED, schema, options);
    const renamed = { ...validated, metas: validated.metas.map((meta) => (meta.id === 'severity-high-needs-approval' ? { ...meta, requires: undefined } : meta)) };
    expect(await sev1(await compileCallPolicies(SHIPPED, schema, { ...options, validated: renamed }))).toEqual({ kind: 'allow', policies: ['severity-high-needs-approval'] });
  });

  test.each([
    ['another text is compiled anew', (text: string) => `${text}\n@id("extra") forbid(principal, action, resource) when { principal.subject == "mallory" };`, schema, true, 'compiled anew'],
    ['another schema (a tool removed) is validated, and refused', (text: string) => text, cedarSchemaOf([changeSeverity] as never), true, 'refused'],
    ['another approval setting is validated, and refused', (text: string) => text, schema, false, 'refused'],
  ])('%s, as without a record', async (_name, textOf, otherSchema, approvals, expected) => {
    const validated = await validateCallPolicies(SHIPPED, schema, options);
    const outcome = await compileCallPolicies(textOf(SHIPPED), otherSchema, { source: 'ssm', approvals, validated }).then(
      (policies) => (policies.validatedAtBuild ? 'reused' : 'compiled anew'),
      (error: unknown) => (error instanceof CallPolicyError ? 'refused' : error),
    );
    expect(outcome).toBe(expected);
  });

  test("Cedar's engine loads on the first decision, not at compile: a call to a tool no policy names never loads it", async () => {
    const validated = await validateCallPolicies(SHIPPED, schema, options);
    let loads = 0;
    const engine = () => {
      loads += 1;
      return cedarEngine();
    };
    const policies = await compileCallPolicies(SHIPPED, schema, { ...options, validated, engine });
    expect([policies.governs('change_severity'), policies.mayRequire('change_severity', 'approval'), loads]).toEqual([true, true, 0]);
    expect(await sev1(policies)).toEqual({ kind: 'allow', policies: ['severity-high-needs-approval'], requires: 'approval' });
    await sev1(policies);
    expect(loads).toBe(1);
  });

  test('an engine that cannot load refuses the call (nothing runs) and is tried again on the next one', async () => {
    const validated = await validateCallPolicies(SHIPPED, schema, options);
    let failing = true;
    const engine = () => (failing ? Promise.reject(new Error('cedar_wasm_bg.wasm: no such file')) : cedarEngine());
    const logger = createLogger('t', 'SILENT');
    const logged = jest.spyOn(logger, 'error');
    const policies = await compileCallPolicies(SHIPPED, schema, { ...options, validated, engine, logger });
    expect(await sev1(policies)).toEqual({ kind: 'deny', policies: [], message: "change_severity was refused: this server's call policies cannot be evaluated right now. Nothing was changed; try again later." });
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('call policy engine could not be loaded'), expect.objectContaining({ tool: 'change_severity' }));
    failing = false;
    expect(await sev1(policies)).toMatchObject({ kind: 'allow', requires: 'approval' });
  });

  test('invalid text is refused even beside a record validated for other text', async () => {
    const validated = await validateCallPolicies(SHIPPED, schema, options);
    await expect(compileCallPolicies('@id("a") permit(principal, action, resource) when { ) };', schema, { ...options, validated })).rejects.toThrow(CallPolicyError);
  });

  test('the record beside a bundle is read when it parses, and ignored (validated at start) when it is missing or malformed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'validated-'));
    const validated = await validateCallPolicies(SHIPPED, schema, options);
    writeFileSync(join(dir, 'good.json'), JSON.stringify(validated));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...validated, fingerprint: 'not-a-hash' }));
    writeFileSync(join(dir, 'broken.json'), '{');
    expect(readValidatedCallPolicies(join(dir, 'good.json'))).toEqual(validated);
    for (const name of ['bad.json', 'broken.json', 'missing.json']) expect(readValidatedCallPolicies(join(dir, name))).toBeUndefined();
  });
});

describe('the call policy provider (fail closed)', () => {
  let text: string | undefined | Error;
  let now: number;
  const make = () =>
    createCallPolicyProvider({
      source: { description: 'test.cedar', read: async () => (text instanceof Error ? Promise.reject(text) : text) },
      ttlMs: 1000,
      maxStalenessMs: 5000,
      schema,
      approvals: true,
      metrics: createMemoryMetrics(),
      logger: createLogger('t', 'SILENT'),
      clock: () => now,
    });
  const sev3 = (policies: CallPolicies | undefined) => policies?.decide({ tool: 'change_severity', actor: actor('alice'), input: { incident_id: 'INC-1', severity: 'SEV3', count: 1 }, resource: severityTool });
  beforeEach(() => {
    now = 0;
    text = SHIPPED;
  });

  test('no text: no call policies; invalid text at start: check() throws the file and line', async () => {
    text = undefined;
    await expect(make().current()).resolves.toBeUndefined();
    text = '@id("a")\npermit(principal, action, resource) when { ) };';
    const provider = make();
    await expect(provider.check()).rejects.toThrow(/test\.cedar:2:/);
    expect(await sev3(await provider.current())).toMatchObject({ kind: 'deny', message: expect.stringContaining('call policies are unavailable') });
  });

  test('a broken or unreadable refresh keeps the last good set until the staleness bound, then refuses every call', async () => {
    const provider = make();
    expect(await sev3(await provider.current())).toMatchObject({ kind: 'allow' });
    text = 'permit(principal, action, resource) when { ) };';
    now = 1500;
    expect(await sev3(await provider.current())).toMatchObject({ kind: 'allow' });
    text = new Error('EACCES');
    now = 4000;
    expect(await sev3(await provider.current())).toMatchObject({ kind: 'allow' });
    now = 5000;
    expect(await sev3(await provider.current())).toMatchObject({ kind: 'deny', policies: [] });
    text = SHIPPED;
    now = 6100;
    expect(await sev3(await provider.current())).toMatchObject({ kind: 'allow' });
  });
});

describe('the pipeline step', () => {
  const caller = { actor: actor('alice', ['database']), origin: { requestId: 'r1' } } as Caller;
  const [severity, ticketTool] = [...createToolSet([changeSeverity, updateTicket] as never, { serverAccess: 'write' }).values()] as [RegisteredTool, RegisteredTool];
  const deps = async (text = SHIPPED) => ({
    callPolicies: await compileCallPolicies(text, schema, { source: 'x.cedar', approvals: true }),
    toolContext: () => ({}) as never,
    logger: createLogger('t', 'SILENT'),
  });

  test('a permit requiring approval runs the call at high risk; a refusal names the policy', async () => {
    const raised = await checkCallPolicies(severity, { incident_id: 'INC-1', severity: 'SEV2', count: 1 }, caller, await deps());
    expect(raised).toMatchObject({ kind: 'pass', policies: ['severity-high-needs-approval'] });
    expect(raised.kind === 'pass' && raised.tool.definition.risk).toBe('high');
    expect(await checkCallPolicies(ticketTool, { ticket_id: 'TCK-1', labels: [] }, caller, await deps())).toMatchObject({ kind: 'refuse', reason: 'policy_denied', policies: [] });
  });

  test('a resource that cannot be read refuses the call with the tool\'s own message', async () => {
    expect(await checkCallPolicies(ticketTool, { ticket_id: 'missing', labels: [] }, caller, await deps())).toEqual({ kind: 'refuse', reason: 'resource_unavailable', message: 'no such ticket' });
  });

  test('a tool that runs only under a call policy is refused when none names it', async () => {
    const required = { ...severity, definition: { ...severity.definition, callPolicy: 'required' as const } };
    const none = await deps('@id("p") permit(principal, action == Action::"update_ticket", resource);');
    expect(await checkCallPolicies(required, { incident_id: 'INC-1', severity: 'SEV1', count: 1 }, caller, none)).toMatchObject({ kind: 'refuse', reason: 'policy_denied' });
    expect(await checkCallPolicies(required, { incident_id: 'INC-1', severity: 'SEV1', count: 1 }, caller, { ...none, callPolicies: undefined })).toMatchObject({ kind: 'refuse', reason: 'policy_denied' });
    expect(await checkCallPolicies(severity, { incident_id: 'INC-1', severity: 'SEV1', count: 1 }, caller, none)).toEqual({ kind: 'pass', tool: severity });
  });
});
