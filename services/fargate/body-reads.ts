/**
 * The request bodies a task is reading: at most `max` at once, each with a deadline. A client
 * that sends its body a byte at a second costs a socket and nothing else (no CPU, little memory),
 * which is why neither the ALB's health check nor CPU autoscaling ever notices a task full of
 * them: the bound and the deadline are the task's own defence. Separate from the images in
 * flight (in-flight.ts), which are counted only once their whole body has arrived, so bodies
 * still on their way can never take the slots that real work needs.
 *
 * On shutdown, `hurry` gives every body still arriving a short grace: one that, at the pace it
 * has kept so far, cannot arrive within it is cut at once, so a stopping task does not wait on
 * tricklers for its whole stop timeout.
 */

export interface BodyRead {
  /** Bytes arrived (kept or thrown away). */
  received(bytes: number): void;
  /** The body has ended (or failed): the read stops counting and its deadline is cleared. */
  finish(): void;
}

export interface BodyReads {
  /**
   * Starts counting a body of `expectedBytes` (its Content-Length, or the limit when unknown);
   * `late` is called once if it is still arriving at the deadline. `undefined` when `max` bodies
   * are being read already.
   */
  start(expectedBytes: number, late: () => void): BodyRead | undefined;
  /**
   * Shutdown: cuts (calls `late` for) every read that cannot arrive within `graceMs` at its pace
   * so far, and moves every other deadline to at most `graceMs` from now. Returns how many were
   * cut.
   */
  hurry(graceMs: number): number;
  readonly reading: number;
  readonly max: number;
}

export interface BodyReadsOptions {
  readonly max: number;
  readonly timeoutMs: number;
  /** A read younger than this has no pace yet: `hurry` gives it the grace. */
  readonly minSampleMs?: number;
  readonly now?: () => number;
}

interface Read {
  readonly started: number;
  readonly expected: number;
  bytes: number;
  timer: NodeJS.Timeout;
  readonly late: () => void;
}

/**
 * @example
 * ```ts
 * const bodies = createBodyReads({ max: 64, timeoutMs: 54_000 });
 * const read = bodies.start(contentLength, () => answer408());
 * if (!read) return answer503();
 * payload.on('data', (chunk) => read.received(chunk.length)).on('end', () => read.finish());
 * ```
 */
export function createBodyReads(options: BodyReadsOptions): BodyReads {
  const { max, timeoutMs, minSampleMs = 1000, now = Date.now } = options;
  const reads = new Set<Read>();

  const expire = (read: Read) => {
    if (!reads.delete(read)) return;
    clearTimeout(read.timer);
    read.late();
  };
  const deadline = (read: Read, ms: number) => {
    clearTimeout(read.timer);
    read.timer = setTimeout(() => expire(read), ms);
  };

  return {
    start(expected, late) {
      if (reads.size >= max) return undefined;
      const read: Read = {
        started: now(),
        expected,
        bytes: 0,
        late,
        timer: setTimeout(() => expire(read), timeoutMs),
      };
      reads.add(read);
      return {
        received: (bytes) => {
          read.bytes += bytes;
        },
        finish: () => {
          if (reads.delete(read)) clearTimeout(read.timer);
        },
      };
    },
    hurry(graceMs) {
      let cut = 0;
      const at = now();
      for (const read of [...reads]) {
        const elapsed = at - read.started;
        const remaining = read.started + timeoutMs - at;
        const pace = read.bytes / Math.max(elapsed, 1);
        if (elapsed >= minSampleMs && read.bytes + pace * graceMs < read.expected) {
          expire(read);
          cut += 1;
        } else if (remaining > graceMs) {
          deadline(read, graceMs);
        }
      }
      return cut;
    },
    get reading() {
      return reads.size;
    },
    max,
  };
}
