/**
 * A second painter on a worker thread, for an image that may use a second thread: while the
 * main thread paints the upper rows of a picture, the worker paints the lower ones in the
 * same shared memory (paint-worker.ts). The bytes are the same either way; only the time
 * changes.
 *
 * The main thread never waits for the worker to start: the first picture is painted alone
 * and starts the worker, and later ones share once it says it is ready. Sharing is
 * synchronous, as painting is: the main thread posts the lower rows, paints the upper, then
 * waits on the control word (Atomics.wait, allowed on Node's main thread) for the worker.
 * If the worker fails or is not done within `PATIENCE_MS`, the main thread paints those rows
 * itself (they come out the same) and the worker is let go. A worker idle for `IDLE_MS`
 * is let go too, and holds no process open meanwhile.
 */
import { Worker } from 'node:worker_threads';
import { FAILED, type Job, PAINTED, PAINTING } from './paint-bands';
import { PAINT_WORKER_SOURCE } from './paint-worker.generated';
import { threadsPerImage } from './sharp-settings';

/** How long the main thread waits for the worker's rows before painting them itself. */
const PATIENCE_MS = 2000;
/** A worker that has painted nothing for this long is ended; the next picture starts another. */
const IDLE_MS = 30_000;

/** A painting worker, from the moment it is started. */
interface Helper {
  readonly worker: Worker;
  readonly control: Int32Array;
  ready: boolean;
  idle?: NodeJS.Timeout;
}

let helper: Helper | undefined;
/** Pictures the worker has painted a share of, in this process. */
let shared = 0;

/** Whether each image may use a second thread (see `configureSharp`). */
export function secondThread(): boolean {
  return threadsPerImage() >= 2;
}

function start(module: object): Helper {
  const control = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(PAINT_WORKER_SOURCE, { eval: true, workerData: { module, control } });
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

function stop(stopping: Helper): void {
  if (helper === stopping) helper = undefined;
  if (stopping.idle) clearTimeout(stopping.idle);
  void stopping.worker.terminate();
}

/**
 * Has the worker paint `job`'s rows while `paintOwn` paints the rest on this thread, and
 * returns once both are painted: 'shared'. 'alone', with nothing painted, when no worker is
 * ready yet (one is started for the pictures after this). 'abandoned' when the worker let
 * its rows down and this thread painted them: the worker is being ended, but may still
 * write the same bytes there for a moment, so the memory must not go to another picture.
 *
 * @param module the compiled paint kernels, sent to a worker as it starts
 * @param paintRows paints rows [from, to) on this thread: its own, or the worker's if the
 *   worker let them down
 */
export function shareRows(
  module: object,
  job: Job,
  paintOwn: () => void,
  paintRows: (from: number, to: number) => void,
): 'shared' | 'alone' | 'abandoned' {
  const current = helper;
  if (!current?.ready) {
    helper ??= start(module);
    return 'alone';
  }
  if (current.idle) clearTimeout(current.idle);
  Atomics.store(current.control, 0, PAINTING);
  current.worker.postMessage(job);
  paintOwn();
  const waited = Atomics.wait(current.control, 0, PAINTING, PATIENCE_MS);
  if (waited === 'timed-out' || Atomics.load(current.control, 0) === FAILED) {
    stop(current);
    paintRows(job.from, job.to);
    return 'abandoned';
  }
  if (Atomics.load(current.control, 0) !== PAINTED) throw new Error('paint-helper: lost a job');
  current.idle = setTimeout(() => stop(current), IDLE_MS);
  current.idle.unref();
  shared++;
  return 'shared';
}

/** Ends the worker, if there is one (for tests). */
export function stopHelper(): void {
  if (helper) stop(helper);
}

/** Pictures the worker has painted a share of, in this process (for tests). */
export function picturesShared(): number {
  return shared;
}

/** Whether a worker is started and ready (for tests). */
export function helperReady(): boolean {
  return helper?.ready === true;
}
