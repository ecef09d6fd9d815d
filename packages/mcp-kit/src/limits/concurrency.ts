/** Caps the tool calls in flight on one server instance. */
export interface ConcurrencyLimiter {
  /** A release function, or undefined when the cap is reached. */
  tryAcquire(cap: number | undefined): (() => void) | undefined;
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
      return () => {
        if (released) return;
        released = true;
        inFlight -= 1;
      };
    },
  };
}
