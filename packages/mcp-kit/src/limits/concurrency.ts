/** One call's place among the calls in flight. */
export interface Slot {
  /** Gives the place back; later calls are no-ops. */
  release(): void;
  readonly released: boolean;
}

/**
 * Caps the tool calls in flight on one server instance. (On Lambda each instance serves
 * one request at a time; there the function's reserved concurrency is the cap.)
 */
export interface ConcurrencyLimiter {
  /** A slot, or undefined when the cap is reached. */
  tryAcquire(cap: number | undefined): Slot | undefined;
  readonly inFlight: number;
}

export function createConcurrencyLimiter(): ConcurrencyLimiter {
  let inFlight = 0;
  return {
    get inFlight() {
      return inFlight;
    },
    tryAcquire(cap) {
      if (cap !== undefined && inFlight >= cap) return undefined;
      inFlight += 1;
      let released = false;
      return {
        get released() {
          return released;
        },
        release() {
          if (released) return;
          released = true;
          inFlight -= 1;
        },
      };
    },
  };
}
