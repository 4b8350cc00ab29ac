/**
 * The live progress line: scenario, phase, elapsed time and requests so far. On a TTY one line
 * rewritten in place (at most every 100 ms); otherwise a plain line per phase change, so logs
 * and CI output stay readable.
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
  private phaseStarted = performance.now();
  private lastDraw = 0;

  constructor(
    private readonly sink: ProgressSink,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Reports where the run is.
   *
   * @example
   * ```ts
   * progress.update('cold', 'lambda-zip burst', 3);
   * ```
   */
  update(scenario: string, phase: string, requests: number): void {
    const changed = scenario !== this.scenario || phase !== this.phase;
    if (changed) {
      this.scenario = scenario;
      this.phase = phase;
      this.phaseStarted = this.now();
    }
    // Called for every response: the line is only built when it is drawn.
    const line = () => progressLine(scenario, phase, this.now() - this.phaseStarted, requests);
    if (this.sink.isTTY) {
      if (!changed && this.now() - this.lastDraw < 100) return;
      this.lastDraw = this.now();
      this.sink.write(`\r\x1b[2K${line()}`);
    } else if (changed) {
      this.sink.write(`${line()}\n`);
    }
  }

  /** Ends the in-place line so what follows starts on its own line. */
  done(): void {
    if (this.sink.isTTY && this.scenario !== '') this.sink.write('\n');
  }
}
