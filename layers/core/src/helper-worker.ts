/**
 * The helper worker's code (see helper.ts, which starts it): it finds a photo's outlines
 * while the main thread softens its colour and chooses its palette, and paints the lower
 * rows of a picture while the main thread paints the upper ones, in the picture's shared
 * memory. `npm run build:wasm` bundles this file with esbuild into
 * helper-worker.generated.ts, so the layer and every bundle carry it as a string, with no
 * file to find at run time.
 *
 * Each job's outcome goes in the control array's word, and the main thread, which waits
 * on it, is woken.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { controlWord, DONE, FAILED, type PaintJob, type Posted } from './helper-jobs';
import { outlines } from './ink';
import { type BandKernels, paintRows } from './paint-bands';
import { PAINT_KERNELS_WASM } from './paint-kernels.generated';
import { type ColourLookup, paletteLookup } from './palette';
import { kernelModule } from './wasm';

/**
 * Instances kept, one per painter's memory, the least recently used let go first: the main
 * thread pools two painters, and one it dropped is then let go with its memory.
 */
const KEEP = 4;

interface Painter {
  readonly kernels: BandKernels;
  lookup: ColourLookup;
}

const noPalette: ColourLookup = () => {
  throw new Error('helper-worker: a pencil fill asked for a palette colour');
};

function main(): void {
  const port = parentPort;
  if (!port) return;
  const { control } = workerData as { control: Int32Array };
  const instantiate = kernelModule<BandKernels>(PAINT_KERNELS_WASM);
  const painters = new Map<number, Painter>();
  const painterFor = (job: PaintJob): Painter => {
    let painter = painters.get(job.key);
    if (painter) {
      // Last used goes last.
      painters.delete(job.key);
      painters.set(job.key, painter);
    } else {
      const made: Painter = {
        kernels: instantiate({
          env: { memory: job.memory },
          paint: { nearest: (r: number, g: number, b: number) => made.lookup(r, g, b) },
        }),
        lookup: noPalette,
      };
      painter = made;
      painters.set(job.key, painter);
      if (painters.size > KEEP) painters.delete(painters.keys().next().value as number);
    }
    return painter;
  };
  port.on('message', ({ number, job }: Posted) => {
    let outcome = DONE;
    try {
      if (job.kind === 'paint') {
        const painter = painterFor(job);
        painter.lookup = job.palette ? paletteLookup(job.palette) : noPalette;
        const memory = (job.memory as { buffer: SharedArrayBuffer }).buffer;
        paintRows(painter.kernels, job.picture, memory, job.scratch, job.from, job.to);
      } else {
        const pixels = job.size.width * job.size.height;
        const rgb = new Uint8Array(job.buffer, 0, pixels * 3);
        const mask = outlines(rgb, job.size, job.thickness);
        new Uint8Array(job.buffer, pixels * 3, pixels).set(mask);
      }
    } catch {
      outcome = FAILED;
    }
    Atomics.store(control, 0, controlWord(number, outcome));
    Atomics.notify(control, 0);
  });
  port.postMessage('ready');
}

main();
