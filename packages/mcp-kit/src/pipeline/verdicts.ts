import type { Caller, RunVerdict, Verdict } from './call';
import { recordNotRun, type RecordDependencies } from './call-records';

/**
 * The verdicts of one request's calls, in flight between the decisions and the run: the MCP
 * layer takes each one once, by the call's JSON-RPC id. What was allowed but never taken
 * (the client went away, the SDK answered otherwise) gives back its concurrency slot and
 * gets its `tool_not_run` record when the request ends.
 */
export interface CallVerdicts<Deps = unknown> {
  set(id: string | number, verdict: Verdict<Deps>): void;
  /** The verdict for a call, at most once (a second take, or an unknown id, is undefined: fail closed). */
  take(id: string | number): Verdict<Deps> | undefined;
  /** Releases and records every allowed call not taken. */
  abandon(): Promise<void>;
}

/** A JSON-RPC id as a key: `1` and `"1"` are different calls. */
export function callKey(id: string | number): string {
  return `${typeof id}:${id}`;
}

export function createCallVerdicts<Deps>(caller: Caller, records: RecordDependencies): CallVerdicts<Deps> {
  const verdicts = new Map<string, Verdict<Deps>>();
  return {
    set: (id, verdict) => void verdicts.set(callKey(id), verdict),
    take(id) {
      const key = callKey(id);
      const verdict = verdicts.get(key);
      verdicts.delete(key);
      return verdict;
    },
    async abandon() {
      for (const [key, verdict] of verdicts) {
        if (verdict.kind !== 'run' || verdict.slot.released) continue;
        verdict.slot.release();
        verdicts.delete(key);
        await recordNotRun(verdict as RunVerdict<Deps>, caller, 'not_run', records);
      }
    },
  };
}
