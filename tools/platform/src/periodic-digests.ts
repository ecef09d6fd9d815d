import { digestLocalAudit } from './local-digests';

type Env = Record<string, string | undefined>;

/** How often `npm start` digests the audit trail while it runs (AUDIT_DIGEST_INTERVAL_SECONDS, 60 by default, 0 for never). */
export function digestIntervalSeconds(env: Env): number {
  const value = env.AUDIT_DIGEST_INTERVAL_SECONDS ?? '60';
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`AUDIT_DIGEST_INTERVAL_SECONDS must be a whole number of seconds (0 for never), got "${value}"`);
  return seconds;
}

/**
 * Digests the local audit trail every interval while the platform runs, one digest at a time
 * (each chains to the one before), leaving the last half interval (at most 30 s) to the next
 * one as servers may still be writing. A failure is reported and retried at the next tick; `stop` waits for a digest
 * in progress.
 */
export function startPeriodicDigests(env: Env, report: (message: string) => void): { stop(): Promise<void> } {
  const seconds = digestIntervalSeconds(env);
  if (seconds === 0) return { stop: async () => undefined };
  let running: Promise<void> | undefined;
  // One digest at a time, and none waits forever: a tick while one runs is skipped, not queued.
  const limitMs = Math.max(10_000, 5 * seconds * 1000);
  const tick = () => {
    if (running) return;
    const digest = digestLocalAudit(env, Math.min(30_000, (seconds * 1000) / 2));
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${limitMs / 1000} s`)), limitMs).unref());
    running = Promise.race([digest, timeout])
      .then(() => undefined)
      .catch((error: unknown) => report(`The periodic audit digest could not be written (retried in ${seconds} s): ${(error as Error).message}`))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(tick, seconds * 1000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
