/**
 * The painting worker's code: it paints the lower rows of a picture while the main thread
 * paints the upper ones, in the picture's shared memory (see paint-helper.ts, which starts
 * it). `npm run build:wasm` bundles this file with esbuild into paint-worker.generated.ts,
 * so that the layer and every bundle carry it as a string, with no file to find at run time.
 *
 * Each job says which picture (its memory, and a key for the instance made over it), the
 * palette its cache misses go to, and the rows; the worker paints them and then sets the
 * job's word in the control array and wakes the main thread, which waits on it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type BandKernels, FAILED, type Job, PAINTED, paintBands } from './paint-bands';
import { type ColourLookup, paletteLookup } from './palette';
import { instanceOf } from './wasm';

/** Instances kept, one per painter's memory: the main thread pools two painters. */
const KEEP = 4;

interface Painter {
  readonly kernels: BandKernels;
  lookup: ColourLookup;
}

const noPalette: ColourLookup = () => {
  throw new Error('paint-worker: a pencil fill asked for a palette colour');
};

function main(): void {
  const port = parentPort;
  if (!port) return;
  const { module, control } = workerData as { module: object; control: Int32Array };
  const painters = new Map<number, Painter>();
  const painterFor = (job: Job): Painter => {
    let painter = painters.get(job.key);
    if (!painter) {
      const imports = {
        env: { memory: job.memory },
        paint: { nearest: (r: number, g: number, b: number) => made.lookup(r, g, b) },
      };
      const made: Painter = {
        kernels: instanceOf<BandKernels>(module, imports),
        lookup: noPalette,
      };
      painter = made;
      painters.set(job.key, painter);
      // The oldest goes first: a painter the main thread dropped is never asked for again.
      if (painters.size > KEEP) painters.delete(painters.keys().next().value as number);
    }
    return painter;
  };
  port.on('message', (job: Job) => {
    let outcome = PAINTED;
    try {
      const painter = painterFor(job);
      painter.lookup = job.palette ? paletteLookup(job.palette) : noPalette;
      paintBands(painter.kernels, job.picture, job.scratch, job.from, job.to);
    } catch {
      outcome = FAILED;
    }
    Atomics.store(control, 0, outcome);
    Atomics.notify(control, 0);
  });
  port.postMessage('ready');
}

main();
