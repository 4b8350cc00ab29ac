/**
 * The load generator: autocannon (autocannon-run.ts) in a process of its own, on the CPUs the
 * CPU split gives it (cpu-split.ts), so the load test's own event loop and the cloud it
 * measures do not share a CPU with it where there are CPUs enough. One process serves every
 * load of a run, one load at a time.
 */
import path from 'node:path';
import type { LoadOptions, LoadResult } from './autocannon-run';
import { onCpus } from './cpu-split';
import { startWorker } from './worker-process';

export type { Sample } from '../results';
export type { LoadOptions, LoadResult };

export interface LoadGenerator {
  /** The load generator's process id. */
  readonly pid: number | undefined;
  /** Runs one load; `onResponse` is told the count of answers so far as they come. */
  run(options: LoadOptions, onResponse?: (requestsSoFar: number) => void): Promise<LoadResult>;
  close(): Promise<void>;
}

/**
 * Starts the load generator's process, pinned to `cpus` when `pinned`.
 *
 * @example
 * ```ts
 * const generator = startLoadGenerator({ cpus: [1], pinned: true });
 * const r = await generator.run({ url: `${url}/health`, connections: 4, ratePerS: 5, durationS: 10, timeoutS: 30 });
 * await generator.close();
 * ```
 */
export function startLoadGenerator(
  placement: { readonly cpus: readonly number[]; readonly pinned: boolean } = {
    cpus: [],
    pinned: false,
  },
): LoadGenerator {
  const worker = startWorker(path.join(__dirname, 'load-worker.ts'), (command, args) =>
    onCpus(placement.cpus, placement.pinned, command, args),
  );
  let queue: Promise<unknown> = Promise.resolve();
  return {
    get pid() {
      return worker.pid;
    },
    run(options, onResponse) {
      // One load at a time: a second would share the generator's CPU with the first.
      const next = queue.then(() =>
        worker.call<LoadResult>(options, (n) => onResponse?.(n as number)),
      );
      queue = next.catch(() => undefined);
      return next;
    },
    close: () => worker.close(),
  };
}
