/**
 * A helper on a worker thread, for an image that may use a second thread (see
 * `configureSharp`): it finds the outlines while the main thread softens the colour and
 * chooses the palette, and paints the lower half of a picture while the main thread paints
 * the upper half, in the same shared memory (helper-worker.ts is its code). The bytes are
 * the same either way; only the time changes.
 *
 * The main thread never waits for the worker to start: the first large photo is done
 * alone and starts it, and later ones share once it says it is ready. Sharing is
 * synchronous, as the work is: the main thread posts the job, does its own part, then waits
 * on the control word (Atomics.wait, allowed on Node's main thread). If the worker fails or
 * is not done within `PATIENCE_MS`, the main thread does the job itself, in memory the
 * worker cannot still be writing to, and the worker is let go. A worker idle for `IDLE_MS`
 * is let go too, and none holds the process open.
 */
import { Worker } from 'node:worker_threads';
import { controlWord, DONE, type Job, WORKING } from './helper-jobs';
import { HELPER_WORKER_SOURCE } from './helper-worker.generated';
import { outlines } from './ink';
import { threadsPerImage } from './sharp-settings';
import type { Size } from './size';

/** How long the main thread waits for the worker before doing its job itself. */
const PATIENCE_MS = 2000;
/** A worker that has done nothing for this long is ended; the next photo starts another. */
const IDLE_MS = 30_000;
/**
 * Ink-field pixels from which the outlines go to the worker: about 1 ms of work, against a
 * few tenths of a millisecond to copy the photo over and hand the job on.
 */
const SHARE_OUTLINE_PIXELS = 250_000;

/** A helper worker, from the moment it is started. */
interface Helper {
  readonly worker: Worker;
  readonly control: Int32Array;
  ready: boolean;
  idle?: NodeJS.Timeout;
  /** Shared memory for outline jobs, grown as photos need, kept between them. */
  buffer?: SharedArrayBuffer;
}

let helper: Helper | undefined;
/** Jobs the worker has done, in this process. */
let jobsDone = 0;

/** Whether each image may use a second thread (see `configureSharp`). */
export function secondThread(): boolean {
  return threadsPerImage() >= 2;
}

function start(): Helper {
  const control = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(HELPER_WORKER_SOURCE, { eval: true, workerData: { control } });
  const started: Helper = { worker, control, ready: false };
  worker.on('message', (message) => {
    if (message === 'ready') started.ready = true;
  });
  const forget = () => {
    if (helper === started) helper = undefined;
    if (started.idle) clearTimeout(started.idle);
  };
  worker.on('error', forget);
  worker.on('exit', forget);
  // After the listeners: a 'message' listener refs the worker's port again.
  worker.unref();
  return started;
}

/** The worker, if it is ready; otherwise starts one, if none is starting, for later photos. */
function readyHelper(): Helper | undefined {
  helper ??= start();
  return helper.ready ? helper : undefined;
}

function stop(stopping: Helper): void {
  if (helper === stopping) helper = undefined;
  if (stopping.idle) clearTimeout(stopping.idle);
  void stopping.worker.terminate();
}

/** What became of a job offered to the helper. */
export type Shared =
  /** The worker did it while this thread did its own part. */
  | 'shared'
  /** No worker was ready (one is being started): nothing was done. */
  | 'alone'
  /**
   * The worker failed or was too slow, and this thread did the job instead. The worker is
   * being ended but may still be writing for a moment, so what it wrote to must not be
   * used again: a picture is painted afresh in memory of its own.
   */
  | 'abandoned';

/** Jobs posted in this process: each job's number. */
let jobsPosted = 0;

/** The control word once job `number` has an answer, or WORKING still at the deadline. */
function answer(control: Int32Array, number: number): number {
  const working = controlWord(number, WORKING);
  const deadline = performance.now() + PATIENCE_MS;
  let word = Atomics.load(control, 0);
  // A late wake-up for an earlier job finds the word still WORKING: wait on.
  while (word === working) {
    const left = deadline - performance.now();
    if (left <= 0) break;
    Atomics.wait(control, 0, working, left);
    word = Atomics.load(control, 0);
  }
  return word;
}

/**
 * Has the worker do `job` while `own` runs on this thread, and returns once both are done;
 * `instead` does the job here when the worker fails it or takes over PATIENCE_MS. Nothing
 * runs when no worker is ready: 'alone', and one is started for the photos after this one.
 * If `own` throws, the worker is ended and the error goes on.
 */
export function share(job: Job, own: () => void, instead: () => void): Shared {
  const current = readyHelper();
  if (!current) return 'alone';
  if (current.idle) clearTimeout(current.idle);
  const number = ++jobsPosted;
  Atomics.store(current.control, 0, controlWord(number, WORKING));
  current.worker.postMessage({ number, job });
  try {
    own();
  } catch (err) {
    // The worker may still be reading or writing what this job shares: none of it is used again.
    stop(current);
    throw err;
  }
  if (answer(current.control, number) !== controlWord(number, DONE)) {
    stop(current);
    instead();
    return 'abandoned';
  }
  current.idle = setTimeout(() => stop(current), IDLE_MS);
  current.idle.unref();
  jobsDone++;
  return 'shared';
}

/**
 * The outline mask of `rgb` (see ink.ts's `outlines`), found by the worker while
 * `meanwhile` runs on this thread when an image may use two threads and the photo is large
 * enough; otherwise here, after `meanwhile`. The same bytes either way.
 */
export function outlinesBeside(
  rgb: Uint8Array,
  size: Size,
  thickness: number,
  meanwhile: () => void,
): Buffer {
  const pixels = size.width * size.height;
  const here = () => outlines(rgb, size, thickness);
  const current = secondThread() && pixels >= SHARE_OUTLINE_PIXELS ? readyHelper() : undefined;
  if (!current) {
    meanwhile();
    return here();
  }
  if (!current.buffer || current.buffer.byteLength < pixels * 4) {
    current.buffer = new SharedArrayBuffer(pixels * 4);
  }
  const buffer = current.buffer;
  new Uint8Array(buffer, 0, pixels * 3).set(rgb.subarray(0, pixels * 3));
  let mask: Buffer | undefined;
  const shared = share({ kind: 'outlines', buffer, size, thickness }, meanwhile, () => {
    mask = here();
  });
  if (shared === 'shared') return Buffer.from(new Uint8Array(buffer, pixels * 3, pixels));
  return mask ?? here();
}

/** Ends the worker, if there is one (for tests). */
export function stopHelper(): void {
  if (helper) stop(helper);
}

/** Whether a worker is started and ready (for tests). */
export function helperReady(): boolean {
  return helper?.ready === true;
}

/** Jobs the worker has done, in this process (for tests). */
export function helperJobsDone(): number {
  return jobsDone;
}
