/**
 * What the main thread asks of the helper worker (helper.ts starts it, helper-worker.ts is
 * its code), and how the worker answers: a word in a shared control array, which the main
 * thread waits on. The worker's bundle is built from this file, so nothing here may import
 * its source (helper.ts).
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

/** What the control array's word says of the job in hand. */
export const WORKING = 1;
export const DONE = 2;
export const FAILED = 3;
