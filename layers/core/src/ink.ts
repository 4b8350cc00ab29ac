import sharp from 'sharp';
import { INK_KERNELS_WASM } from './ink-kernels.generated';
import type { Size } from './size';
import { growTo, kernelModule, type WasmMemory } from './wasm';

/** Ratio of the two Gaussians of the difference-of-Gaussians (Marr–Hildreth's 1.6). */
const DOG_RATIO = 1.6;
/** Grey-level difference below which nothing is inked: hides faint texture and JPEG noise (2 left speckle in soft skies). */
const THRESHOLD = 3;
/** Grey levels over the threshold at which ink is solid; the ramp keeps lines anti-aliased. */
const RAMP = 5;
/** Coverage per grey level over the threshold. The kernel multiplies in whole numbers. */
const STEP = 255 / RAMP;
if (!Number.isInteger(STEP)) throw new Error('ink.ts: RAMP must divide 255');
/** Line width, as the narrow Gaussian's sigma in pixels of a 512 px analysis image. */
const BASE_SIGMA = 1.0;
const REFERENCE_SIDE = 512;

/** A median pass from the frame at `src` into the frame at `dst` (see ink-kernels.wat). */
type MedianPass = (
  src: number,
  dst: number,
  stride: number,
  width: number,
  height: number,
  window: number,
) => void;

/** The kernels' exports (see ink-kernels.wat). */
interface Kernels {
  readonly memory: WasmMemory;
  readonly rowMedian: MedianPass;
  readonly columnMedian: MedianPass;
  coverage(
    narrow: number,
    wide: number,
    out: number,
    count: number,
    threshold: number,
    step: number,
  ): void;
  luma(rgb: number, frame: number, stride: number, width: number, height: number): void;
}

const instantiate = kernelModule<Kernels>(INK_KERNELS_WASM);
let kernels: Kernels | undefined;

/**
 * The per-pixel kernels, in WebAssembly with SIMD (sixteen pixels an instruction): under a
 * tenth of the time plain JavaScript took for the median here. The 615-byte module is
 * compiled on first use. One instance serves every call: each uses the memory only while it
 * runs, synchronously.
 */
function loadKernels(): Kernels {
  kernels ??= instantiate();
  return kernels;
}

/** The kernels' memory, grown to at least `bytes`; a view made after any growth. */
function kernelMemory(k: Kernels, bytes: number): Uint8Array {
  growTo(k.memory, bytes);
  return new Uint8Array(k.memory.buffer);
}

const roundUp16 = (n: number) => Math.ceil(n / 16) * 16;

/**
 * Where the kernels keep images (see ink-kernels.wat): frames, each image row `stride`
 * bytes long with two rows and columns of border around it, which repeat the edge so the
 * kernels need no edge cases, and room on the right for the last sixteen-pixel vector.
 * Two frames, `photo` and `rows`, at the start of the kernels' memory.
 */
class Frames {
  readonly stride: number;
  readonly bytes: number;
  readonly photo = 0;
  readonly rows: number;

  constructor(readonly size: Size) {
    this.stride = roundUp16(size.width) + 32;
    this.bytes = (size.height + 4) * this.stride;
    this.rows = this.bytes;
  }

  /** The offset of pixel (x, y) of the frame at `base`. */
  pixel(base: number, x: number, y: number): number {
    return base + (y + 2) * this.stride + x + 2;
  }

  /** Image row `y` of the frame at `base`. */
  row(memory: Uint8Array, base: number, y: number): Uint8Array {
    const start = this.pixel(base, 0, y);
    return memory.subarray(start, start + this.size.width);
  }

  /**
   * The separable median of the image in the `photo` frame, left there: the border columns
   * of each row repeat its edge pixels, the median runs along the rows into the `rows`
   * frame, whose border rows then repeat its edge rows, and down the columns back.
   */
  median(k: Kernels, memory: Uint8Array, window: 3 | 5): void {
    const { width, height } = this.size;
    for (let y = 0; y < height; y++) {
      const start = this.pixel(this.photo, 0, y);
      memory.fill(memory[start] as number, start - 2, start);
      memory.fill(memory[start + width - 1] as number, start + width, start + width + 2);
    }
    k.rowMedian(this.photo, this.rows, this.stride, width, height, window);
    const first = this.pixel(this.rows, -2, 0);
    const last = this.pixel(this.rows, -2, height - 1);
    for (const y of [-2, -1])
      memory.copyWithin(this.pixel(this.rows, -2, y), first, first + this.stride);
    for (const y of [height, height + 1]) {
      memory.copyWithin(this.pixel(this.rows, -2, y), last, last + this.stride);
    }
    k.columnMedian(this.rows, this.photo, this.stride, width, height, window);
  }
}

/**
 * A separable median (`window` 3 or 5), in place: the median along each row, then along each
 * column. Like the full 5×5 median it wipes out fine texture (fur, wood grain, hair, sensor
 * noise) while keeping the borders of objects, at a fraction of the cost: libvips' rank
 * filter took 33 ms of CPU for a 1024×683 image on this project's machines, plain
 * JavaScript 14–18 ms, the SIMD kernels about 1, so outlines can be found at a resolution
 * tied to the output size. Edges repeat their last pixel.
 */
export function separableMedian(grey: Uint8Array, size: Size, window: 3 | 5): void {
  const frames = new Frames(size);
  const k = loadKernels();
  const memory = kernelMemory(k, 2 * frames.bytes);
  for (let y = 0; y < size.height; y++) {
    frames.row(memory, frames.photo, y).set(grey.subarray(y * size.width, (y + 1) * size.width));
  }
  frames.median(k, memory, window);
  for (let y = 0; y < size.height; y++) {
    grey.set(frames.row(memory, frames.photo, y), y * size.width);
  }
}

/**
 * The grey image outlines are found in, its fine texture already gone: the luma of an RGB
 * image (Rec. 601 weights on the gamma-encoded values, as JPEG's colour conversion), then
 * `separableMedian`, both by the kernels, straight into their frames. A libvips call took
 * 2–3 ms of its threads for the luma of a 1024×683 image; the SIMD kernel takes a tenth.
 *
 * @example
 * ```ts
 * const grey = medianGrey(rgb, { width: 1024, height: 683 }, 5);
 * ```
 */
export function medianGrey(rgb: Uint8Array, size: Size, window: 3 | 5): Buffer {
  const { width, height } = size;
  const frames = new Frames(size);
  const k = loadKernels();
  const at = 2 * frames.bytes;
  // Room after the pixels for the luma kernel's last vector (see ink-kernels.wat).
  const memory = kernelMemory(k, at + width * height * 3 + 48);
  memory.set(rgb.subarray(0, width * height * 3), at);
  k.luma(at, frames.photo, frames.stride, width, height);
  frames.median(k, memory, window);
  const grey = Buffer.allocUnsafe(width * height);
  for (let y = 0; y < height; y++) grey.set(frames.row(memory, frames.photo, y), y * width);
  return grey;
}

/**
 * Outline mask (0 = paper, 255 = solid ink) of an RGB image.
 *
 * A separable median of its grey image first wipes out fine texture (fur, wood grain, hair,
 * sensor noise) while keeping the edges of objects; a difference of Gaussians then puts ink
 * on the dark side of each remaining edge, where the narrow blur is darker than the wide
 * one. The grey image and the median are made on the calling thread before this returns;
 * the blurs then run on libvips' threads, so the caller can work while the promise settles.
 *
 * @param thickness line width multiplier (the style's `edgeThickness`)
 * @example
 * ```ts
 * const mask = await outlines(rgb, size, 1);
 * ```
 */
export function outlines(rgb: Uint8Array, size: Size, thickness: number): Promise<Buffer> {
  const longSide = Math.max(size.width, size.height);
  // Fine texture goes before the edges are found (see `separableMedian`): a window of five
  // from 400 px up, of three below, where five would take small features too.
  const grey = medianGrey(rgb, size, longSide >= 400 ? 5 : 3);
  const sigma = Math.max(0.4, (BASE_SIGMA * thickness * longSide) / REFERENCE_SIDE);
  const raw = { raw: { ...size, channels: 1 as const } };
  const blurred = (by: number) => sharp(grey, raw).blur(by).toColourspace('b-w').raw().toBuffer();
  return Promise.all([blurred(sigma), blurred(sigma * DOG_RATIO)]).then(([narrow, wide]) =>
    dogCoverage(narrow, wide),
  );
}

/**
 * Ink coverage (0 = paper, 255 = solid ink) from the narrow and wide blurs of a difference
 * of Gaussians: (wide - narrow - THRESHOLD) × 255/RAMP, clamped, so ink ramps up over RAMP
 * grey levels past the threshold and lines stay anti-aliased. Whole numbers, since RAMP
 * divides 255.
 */
export function dogCoverage(narrow: Uint8Array, wide: Uint8Array): Buffer {
  const count = roundUp16(narrow.length);
  const k = loadKernels();
  const memory = kernelMemory(k, 3 * count);
  memory.set(narrow, 0);
  memory.set(wide, count);
  k.coverage(0, count, 2 * count, count, THRESHOLD, STEP);
  return Buffer.from(memory.subarray(2 * count, 2 * count + narrow.length));
}
