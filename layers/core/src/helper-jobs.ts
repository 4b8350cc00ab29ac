/**
 * What the main thread asks of the helper worker (helper.ts starts it, helper-worker.ts is
 * its code), and how the worker answers: a word in a shared control array, which the main
 * thread waits on, holding the job's number and its state (see `controlWord`), so that a
 * late answer to an earlier job can never pass for this one's. The worker's bundle is built
 * from this file, so nothing here may import its source (helper.ts).
 */
import type { Picture, Scratch } from './paint-bands';
import type { Size } from './size';

/** The lower rows of a picture, painted in its shared memory (see paint.ts). */
export interface PaintJob {
  readonly kind: 'paint';
  /** Names the painter whose memory this is, so the worker makes its instance once. */
  readonly key: number;
  /** The painter's shared WebAssembly memory. */
  readonly memory: object;
  /** The palette a cache miss is looked up in; absent for pencil tones. */
  readonly palette?: Uint8Array;
  readonly picture: Picture;
  readonly scratch: Scratch;
  readonly from: number;
  readonly to: number;
}

/**
 * The outline mask of an RGB image (see ink.ts's `outlines`): the image packed at the start
 * of `buffer`, the mask written right after it.
 */
export interface OutlinesJob {
  readonly kind: 'outlines';
  readonly buffer: SharedArrayBuffer;
  readonly size: Size;
  readonly thickness: number;
}

export type Job = PaintJob | OutlinesJob;

/** A job as posted: its number, which the worker's answer carries back. */
export interface Posted {
  readonly number: number;
  readonly job: Job;
}

/** The states of a job in the control word. */
export const WORKING = 1;
export const DONE = 2;
export const FAILED = 3;

/** The control word for job `number` in `state`: numbers wrap well inside an int32. */
export function controlWord(number: number, state: number): number {
  return ((number % 0x1000000) << 2) | state;
}
