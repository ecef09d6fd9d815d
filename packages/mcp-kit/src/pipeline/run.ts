import type { Approvals } from '../approvals/approvals';
import { CallNotGovernedError, UnknownToolError } from '../errors/errors';
import { METRIC } from '../metrics/metrics';
import type { CursorSeals } from '../tool/cursor-seal';
import type { RegisteredTool } from '../tool/tool-set';
import { sanitizeToolName, toolContextFor, toolErrorResult, type Caller, type RunVerdict, type ToolCallResult, type Verdict } from './call';
import { recordDenial, recordNotRun, recordOutcome, type RecordDependencies } from './call-records';
import { executeTool } from './execute';
import { requestApproval } from './approve';

/** What the user said to a medium-risk call, through the protocol's confirmation round trip. */
export type ConfirmationVerdict =
  | { kind: 'run'; reason: 'confirmed' | 'confirmation_unavailable_allowed' }
  /** Stopped before the handler; `result` is what the client gets (a refusal, or the question to answer). */
  | { kind: 'stop'; reason: 'confirmation_requested' | 'confirmation_pending' | 'confirmation_declined' | 'confirmation_unavailable'; result: unknown };

/** Asks the user to confirm a call, in band; provided by the MCP layer, which owns the round trip. */
export type Confirmer = <Deps>(tool: RegisteredTool<Deps>, input: unknown) => Promise<ConfirmationVerdict>;

export interface RunDependencies<Deps> extends RecordDependencies {
  deps: Deps;
  /** Seals paging cursors per caller. */
  cursors: CursorSeals;
  /** Where high-risk calls go instead of their handler. */
  approvals?: Approvals;
}

/** Medium-risk changes are confirmed by the user; medium-risk reads are not changes. */
export function needsConfirmation(definition: { risk: string; access: string }): boolean {
  return definition.risk === 'medium' && definition.access === 'write';
}

/**
 * Runs what the decisions allowed for one call, once: a call without a verdict (or with the
 * verdict of another tool) is refused and nothing runs; refusals travel as the protocol
 * expects. Then: confirm (medium-risk changes) → request approval (high risk) or execute →
 * outcome record. The concurrency slot is given back whatever happens.
 */
export async function runCall<Deps>(
  call: { id: string | number; name: string },
  verdict: Verdict<Deps> | undefined,
  caller: Caller,
  confirm: Confirmer | undefined,
  deps: RunDependencies<Deps>,
): Promise<unknown> {
  if (!verdict || (verdict.kind === 'run' && (verdict.slot.released || verdict.tool.definition.name !== call.name))) {
    await recordDenial({ ...caller, callId: String(call.id), tool: sanitizeToolName(call.name), reason: 'not_governed' }, deps);
    throw new CallNotGovernedError();
  }
  if (verdict.kind === 'refuse_unknown') throw new UnknownToolError(verdict.name);
  if (verdict.kind === 'refuse_invalid') return toolErrorResult(verdict.message);
  if (verdict.kind !== 'run') throw new CallNotGovernedError();
  try {
    if (needsConfirmation(verdict.tool.definition)) {
      const confirmation = confirm
        ? await confirm(verdict.tool, verdict.input)
        : ({ kind: 'stop', reason: 'confirmation_unavailable', result: toolErrorResult(`${verdict.tool.definition.name} needs confirmation, which this server has not configured. Nothing was changed.`) } as const);
      if (confirmation.kind === 'stop') {
        await recordNotRun(verdict, caller, confirmation.reason, deps);
        return confirmation.result;
      }
    }
    return await execute(verdict, caller, deps);
  } finally {
    verdict.slot.release();
  }
}

/** Requests approval (high risk) or runs the handler, then counts, logs and records the outcome. */
async function execute<Deps>(verdict: RunVerdict<Deps>, caller: Caller, deps: RunDependencies<Deps>): Promise<ToolCallResult> {
  const { tool } = verdict;
  const started = performance.now();
  const context = toolContextFor(caller, deps);
  const { result, outcome, classification } =
    tool.definition.risk === 'high' ? await requestApproval(tool, verdict.input, context, deps.approvals) : await executeTool(tool, verdict.input, context);
  const durationMs = performance.now() - started;
  const dimensions = { server: deps.server, tool: tool.definition.name };
  deps.metrics.count(METRIC.toolCalls, { ...dimensions, outcome });
  deps.metrics.latency(METRIC.toolLatency, durationMs, dimensions);
  deps.logger.info('tool call', { requestId: caller.origin.requestId, subject: caller.actor.subject, tool: tool.definition.name, outcome, durationMs: Math.round(durationMs) });
  await recordOutcome(verdict, caller, { outcome, classification, durationMs }, deps);
  return result;
}
