import type { Request, Response, NextFunction } from 'express';
import type { AnswerContext } from '../errors/error-table';
import type { PolicyProvider } from '../governance/cached-policy';
import type { CallPolicies } from '../cedar/call-policies';
import type { CallPolicyDependencies } from '../pipeline/check-call-policies';
import { pinnedAllowlist } from '../governance/pinned-allowlist';
import type { ConcurrencyLimiter } from '../limits/concurrency';
import type { RecordDependencies } from '../pipeline/call-records';
import { governRequest } from '../pipeline/govern-request';
import { createCallVerdicts } from '../pipeline/verdicts';
import { toolCallsIn } from '../mcp/tool-calls';
import type { RegisteredTool } from '../tool/tool-set';
import { callerOf, contextOf } from './request-context';
import { sendError } from './send-error';

export interface GateDependencies<Deps> extends RecordDependencies, Omit<CallPolicyDependencies<Deps>, 'callPolicies'> {
  tools: ReadonlyMap<string, RegisteredTool<Deps>>;
  policy: PolicyProvider;
  /** The server's call policies (Cedar), read beside the allowlist; undefined: the server has none. */
  callPolicies?: { current(): Promise<CallPolicies | undefined> };
  concurrency: ConcurrencyLimiter;
}

/**
 * The transport's side of the decisions before the SDK: hands every `tools/call` of the
 * request to the pipeline under the current policy snapshot, answers a refusal that has an
 * HTTP meaning, and parks the verdicts for the MCP layer. An allowed call that never reaches
 * its handler is given back and recorded as not run when the response ends.
 */
export function governanceGate<Deps>(deps: GateDependencies<Deps>, answers: AnswerContext) {
  const allowlistOf = pinnedAllowlist(deps.tools, deps);
  const currentPolicy = async () => {
    const [policy, callPolicies] = await Promise.all([deps.policy.current(), deps.callPolicies?.current()]);
    return { policy, callPolicies, ...allowlistOf(policy, callPolicies) };
  };
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const caller = callerOf(req, res);
    const verdicts = createCallVerdicts<Deps>(caller, deps);
    // Registered first, so that a client that goes away while calls are decided cannot strand a slot.
    let closed = false;
    res.once('close', () => {
      closed = true;
      void verdicts.abandon();
    });
    const decided = await governRequest(toolCallsIn(req.body), caller, verdicts, { ...deps, policy: currentPolicy });
    if ('refusal' in decided) return sendError(res, decided.refusal, answers);
    if (closed) return verdicts.abandon(); // the client is gone: give back what was allowed and record it as not run
    contextOf(res).governance = decided.governed as never;
    next();
  };
}
