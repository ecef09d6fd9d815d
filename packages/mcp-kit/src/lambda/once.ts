/**
 * Runs `init` on first use and shares its promise with every later caller. A failed
 * initialization is forgotten, so the next invocation tries again instead of the
 * execution environment failing forever.
 */
export function once<T>(init: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= init().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
