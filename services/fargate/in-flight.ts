/**
 * A bound on the images one task works on at once, with a short, bounded queue in front.
 * A request that finds every slot busy waits its turn while fewer than `maxQueued` wait; past
 * that it is refused at once (503 and Retry-After). The queue absorbs the bursts a load
 * balancer delivers (several requests in the same millisecond at a few per second) without
 * refusing them; its bound keeps the overload visible to the load balancer and every waiting
 * answer at most `maxQueued / max` images late.
 */
export interface InFlightLimit {
  /**
   * A promise of a release function (resolved when a slot is free), or `undefined` at once
   * when every slot is busy and the queue is full.
   */
  acquire(): Promise<() => void> | undefined;
  readonly inFlight: number;
  readonly queued: number;
  readonly max: number;
  readonly maxQueued: number;
}

/**
 * @example
 * ```ts
 * const limit = createInFlightLimit(2, 4);
 * const waiting = limit.acquire();
 * if (!waiting) return overloaded();
 * const release = await waiting;
 * try { await work(); } finally { release(); }
 * ```
 */
export function createInFlightLimit(max: number, maxQueued = 0): InFlightLimit {
  let inFlight = 0;
  const queue: ((release: () => void) => void)[] = [];
  const slot = (): (() => void) => {
    inFlight += 1;
    let released = false;
    // Idempotent: both the end of the response and a closed connection may call it.
    return () => {
      if (released) return;
      released = true;
      inFlight -= 1;
      const next = queue.shift();
      if (next) next(slot());
    };
  };
  return {
    acquire() {
      if (inFlight < max) return Promise.resolve(slot());
      if (queue.length >= maxQueued) return undefined;
      return new Promise((resolve) => queue.push(resolve));
    },
    get inFlight() {
      return inFlight;
    },
    get queued() {
      return queue.length;
    },
    max,
    maxQueued,
  };
}
