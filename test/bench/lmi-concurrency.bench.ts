/**
 * `npx tsx test/bench/lmi-concurrency.bench.ts`: how many invocations at once one vCPU of a
 * Lambda Managed Instances environment should take, for the managed-instances stack's
 * `PerExecutionEnvironmentMaxConcurrency` and `AWS_LAMBDA_NODEJS_WORKER_COUNT`
 * (infra/lib/managed-instances-settings.ts).
 *
 * It runs the core as the LMI Node.js runtime does (docs/managed-instances-research.md):
 * runtime worker threads, each loading the core itself and running every invocation it is
 * handed at once (test/support/invocation-worker.ts), with `configureSharp({ concurrency: 1 })`
 * as the adapters set it under LMI. A closed loop keeps `c` invocations in flight (c = 1, 2,
 * 4, 8) until `--images` are done, and reports throughput, latency and the process's peak RSS,
 * for one runtime worker and for the runtime's default of eight per vCPU. The levels take turns
 * over `--rounds`, so a machine whose speed drifts treats them alike; the medians are printed.
 *
 * Pin it to one core, as one vCPU of an environment: `taskset -c 0 npx tsx test/bench/...`.
 *
 *   --images N   invocations per level and round (default 12)
 *   --rounds N   rounds (default 3)
 *   --mp N       megapixels of the camera-sized JPEG (default 4; maxSide 1024, POST /cartoon's)
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { cameraJpeg } from '../support/fixtures';
import {
  bundleInvocationWorker,
  InvocationThread,
  removeBundle,
} from '../support/invocation-threads';

const LEVELS = [1, 2, 4, 8];
/** The runtime's default worker count is 8 × the CPUs it may use (research note, [RIC]). */
const WORKER_CONFIGS = [1, 8];

function numberFlag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a positive integer`);
  return value;
}

interface LevelRun {
  readonly imagesPerSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly peakRssMb: number;
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
};
const median = (values: number[]): number => percentile(values, 0.5);

async function runLevel(
  threads: readonly InvocationThread[],
  image: Buffer,
  inFlight: number,
  images: number,
): Promise<LevelRun> {
  let started = 0;
  let next = 0;
  const latencies: number[] = [];
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 20);
  const begin = performance.now();
  const client = async () => {
    while (started < images) {
      started++;
      // Round robin over the runtime's threads, as each keeps its own /next outstanding.
      const thread = threads[next++ % threads.length] as InvocationThread;
      const t0 = performance.now();
      const outcome = await thread.invoke(image, {});
      if (!outcome.ok) throw new Error(`invocation failed: ${outcome.message}`);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, client));
  const seconds = (performance.now() - begin) / 1000;
  clearInterval(sampler);
  return {
    imagesPerSecond: images / seconds,
    p50Ms: percentile(latencies, 0.5),
    p95Ms: percentile(latencies, 0.95),
    peakRssMb: peakRss / 1e6,
  };
}

async function main(): Promise<void> {
  const images = numberFlag('images', 12);
  const rounds = numberFlag('rounds', 3);
  const mp = numberFlag('mp', 4);
  const image = await cameraJpeg('ladybird.jpg', mp);
  console.log(
    `LMI concurrency bench: ${mp} MP JPEG (${(image.length / 1e6).toFixed(2)} MB), maxSide 1024, ` +
      `${images} images per level, ${rounds} rounds, ${availableParallelism()} CPU(s) visible`,
  );
  const bundle = await bundleInvocationWorker();
  try {
    for (const workers of WORKER_CONFIGS) {
      const threads = await Promise.all(
        Array.from({ length: workers }, () => InvocationThread.start(bundle, 1)),
      );
      // Warm-up: every thread compiles its WebAssembly and JIT-warms once.
      await Promise.all(threads.map((t) => t.invoke(image, {})));
      const runs = new Map<number, LevelRun[]>(LEVELS.map((c) => [c, []]));
      for (let round = 0; round < rounds; round++) {
        for (const c of LEVELS) runs.get(c)?.push(await runLevel(threads, image, c, images));
      }
      console.log(`\nruntime worker threads: ${workers}`);
      console.log('in flight | images/s | vs 1 | p50 ms | p95 ms | peak RSS MB');
      const base = median((runs.get(1) ?? []).map((r) => r.imagesPerSecond));
      for (const c of LEVELS) {
        const r = runs.get(c) ?? [];
        const ips = median(r.map((x) => x.imagesPerSecond));
        console.log(
          [
            String(c).padStart(9),
            ips.toFixed(2).padStart(8),
            (ips / base).toFixed(2).padStart(4),
            median(r.map((x) => x.p50Ms))
              .toFixed(0)
              .padStart(6),
            median(r.map((x) => x.p95Ms))
              .toFixed(0)
              .padStart(6),
            Math.max(...r.map((x) => x.peakRssMb))
              .toFixed(0)
              .padStart(11),
          ].join(' | '),
        );
      }
      await Promise.all(threads.map((t) => t.stop()));
    }
  } finally {
    removeBundle(bundle);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
