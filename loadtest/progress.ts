/**
 * The live progress line: scenario, phase, elapsed seconds and requests so far. On a TTY one
 * line rewritten in place (at most every 100 ms); otherwise (logs, CI) a plain line when a
 * phase ends, with its final time and count, and one every `periodMs` while a phase runs, so
 * a log shows what each phase did and a long phase is seen to be alive.
 */

export interface ProgressSink {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * One progress line's text.
 *
 * @example
 * ```ts
 * progressLine('steady', 'lambda-zip steady 5/s', 12_300, 61); // 'steady | lambda-zip steady 5/s | 12.3 s | 61 requests'
 * ```
 */
export function progressLine(
  scenario: string,
  phase: string,
  elapsedMs: number,
  requests: number,
): string {
  return `${scenario} | ${phase} | ${(elapsedMs / 1000).toFixed(1)} s | ${requests} requests`;
}

export class Progress {
  private scenario = '';
  private phase = '';
  private requests = 0;
  private phaseStarted = 0;
  private lastDraw = 0;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param periodMs non-TTY: how often a running phase prints its line (0: only at its end).
   */
  constructor(
    private readonly sink: ProgressSink,
    private readonly now: () => number = () => performance.now(),
    private readonly periodMs = 10_000,
  ) {}

  private line(): string {
    return progressLine(this.scenario, this.phase, this.now() - this.phaseStarted, this.requests);
  }

  /**
   * Reports where the run is: called on every response, and when a phase begins.
   *
   * @example
   * ```ts
   * progress.update('cold', 'lambda-zip burst', 3);
   * ```
   */
  update(scenario: string, phase: string, requests: number): void {
    const changed = scenario !== this.scenario || phase !== this.phase;
    if (changed) {
      // The phase that just ended, with its final count and time.
      if (!this.sink.isTTY && this.scenario !== '') this.sink.write(`${this.line()}\n`);
      this.scenario = scenario;
      this.phase = phase;
      this.phaseStarted = this.now();
      this.lastDraw = this.now();
    }
    this.requests = requests;
    if (this.sink.isTTY) {
      if (!changed && this.now() - this.lastDraw < 100) return;
      this.lastDraw = this.now();
      this.sink.write(`\r\x1b[2K${this.line()}`);
      return;
    }
    this.tick();
    if (this.timer === undefined && this.periodMs > 0) {
      // A phase can go quiet (a slow answer, a cold start): the timer prints it all the same.
      this.timer = setInterval(() => this.tick(), Math.min(this.periodMs, 1000));
      this.timer.unref();
    }
  }

  /** Non-TTY: prints the running phase's line if `periodMs` has passed since the last. */
  tick(): void {
    if (this.sink.isTTY || this.scenario === '' || this.periodMs <= 0) return;
    if (this.now() - this.lastDraw < this.periodMs) return;
    this.lastDraw = this.now();
    this.sink.write(`${this.line()}\n`);
  }

  /** Ends the run's output: the last phase's final line, or the end of the in-place line. */
  done(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.scenario === '') return;
    this.sink.write(this.sink.isTTY ? '\n' : `${this.line()}\n`);
    this.scenario = '';
    this.phase = '';
  }
}
