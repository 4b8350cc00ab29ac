/**
 * A bound on the images one task works on at once. A request past the bound is refused at
 * once (503 and Retry-After) rather than queued: a queue inside the task has no bound, hides
 * the overload from the load balancer and makes every waiting answer late.
 */
export interface InFlightLimit {
  /** A release function when a slot was free, `undefined` when the task is full. */
  tryAcquire(): (() => void) | undefined;
  readonly inFlight: number;
  readonly max: number;
}

/**
 * @example
 * ```ts
 * const limit = createInFlightLimit(2);
 * const release = limit.tryAcquire();
 * if (!release) return overloaded();
 * try { await work(); } finally { release(); }
 * ```
 */
export function createInFlightLimit(max: number): InFlightLimit {
  let inFlight = 0;
  return {
    tryAcquire() {
      if (inFlight >= max) return undefined;
      inFlight += 1;
      let released = false;
      // Idempotent: both the end of the response and a closed connection may call it.
      return () => {
        if (released) return;
        released = true;
        inFlight -= 1;
      };
    },
    get inFlight() {
      return inFlight;
    },
    max,
  };
}
