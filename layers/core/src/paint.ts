import { secondThread, share } from './helper';
import type { ResolvedOptions } from './options';
import { BAND, type BandKernels, type Picture, paintRows, type Scratch } from './paint-bands';
import { PAINT_KERNELS_WASM } from './paint-kernels.generated';
import { type ColourLookup, paletteLookup, saturatePalette } from './palette';
import type { Field, Size } from './size';
import { growTo, kernelModule, sharedMemory, type WasmMemory } from './wasm';

/** Colour of the paper under the `sketch` style's pencil. */
const PAPER: readonly [number, number, number] = [250, 247, 240];
/** How dark the darkest pencil tone is, as a fraction of the paper's brightness. */
const DARKEST_PENCIL_TONE = 0.8;

/**
 * The colour each flat area is painted with, and how a colour finds its fill: the nearest
 * palette colour (`nearest`, through the kernels' cache), or for pencil the tone of its
 * luminance, min(tones - 1, floor(luma × scale)), which the kernels work out themselves.
 */
interface Fill {
  readonly colours: Uint8Array;
  readonly nearest?: ColourLookup;
  readonly tones: number;
  /** Tones per unit of luma (299r + 587g + 114b); 0 for a palette. */
  readonly scale: number;
}

function fillColours(palette: Uint8Array, options: ResolvedOptions): Fill {
  if (options.style.fill === 'palette') {
    const colours = saturatePalette(palette, options.saturation);
    return { colours, nearest: paletteLookup(palette), tones: colours.length / 3, scale: 0 };
  }
  const tones = options.colours;
  return { colours: pencilTones(tones), tones, scale: tones / (256 * 1000) };
}

/**
 * The `sketch` style's fill colours: `tones` greys of pencil by luminance, from the darkest
 * shading up to bare paper, packed RGB.
 */
export function pencilTones(tones: number): Uint8Array {
  const colours = new Uint8Array(tones * 3);
  for (let tone = 0; tone < tones; tone++) {
    const shade = 1 - (1 - DARKEST_PENCIL_TONE) * (1 - tone / (tones - 1));
    for (let channel = 0; channel < 3; channel++) {
      colours[tone * 3 + channel] = Math.round((PAPER[channel] as number) * shade);
    }
  }
  return colours;
}

/** Ink coverage below this is dropped and above it is doubled, so scaled-up lines stay crisp. */
const INK_FLOOR = 40;

export type { Field } from './size';

/** Pages (64 KiB) a painter's memory may grow to: 512 MiB, ten times a 4096² picture's. */
const MAX_PAGES = 8192;

/**
 * Output pixels from which a picture is shared with the painting worker, when an image may
 * use a second thread: about 1.5 ms of painting, against a few tenths of a millisecond to
 * hand over.
 */
const SHARE_PIXELS = 500_000;

const instantiate = kernelModule<BandKernels>(PAINT_KERNELS_WASM);

/** An instance of the kernels in a shared memory, and the colour search its misses go to. */
interface Painter {
  /** Names the memory for the painting worker, which makes its own instance over it. */
  readonly key: number;
  readonly memory: WasmMemory;
  readonly kernels: BandKernels;
  nearest: ColourLookup;
}

let painters = 0;

const noPalette: ColourLookup = () => {
  throw new Error('paint-kernels: a pencil fill asked for a palette colour');
};

/**
 * Painters not painting, with the memory they grew. A fresh memory costs its first touch:
 * about 5 ms of page faults for the 8 MB of a 2048 px picture, as much as the fill itself,
 * so a process keeps a few (one is enough for Lambda, which paints one picture at a time).
 */
const idle: Painter[] = [];
const MAX_IDLE = 2;

function takePainter(nearest: ColourLookup): Painter {
  const painter = idle.pop();
  if (painter) {
    painter.nearest = nearest;
    return painter;
  }
  const memory = sharedMemory(MAX_PAGES);
  const fresh: Painter = {
    key: ++painters,
    memory,
    nearest,
    kernels: instantiate({
      env: { memory },
      paint: { nearest: (r: number, g: number, b: number) => fresh.nearest(r, g, b) },
    }),
  };
  return fresh;
}

/** Cells of the colour cache: 5 bits a channel. */
const CACHE_CELLS = 32 * 32 * 32;

/**
 * Where each output column (or row) samples a smaller field, written into `into` (three
 * times `outLength` long): the two neighbours, then the weight of the second in 1/256ths,
 * for bilinear interpolation at pixel centres.
 */
function axis(into: Int32Array, outLength: number, fieldLength: number): void {
  const scale = fieldLength / outLength;
  for (let x = 0; x < outLength; x++) {
    const at = Math.min(fieldLength - 1, Math.max(0, (x + 0.5) * scale - 0.5));
    const i = Math.floor(at);
    into[x] = i;
    into[outLength + x] = Math.min(fieldLength - 1, i + 1);
    into[2 * outLength + x] = Math.round((at - i) * 256);
  }
}

/**
 * For each field column, the output columns that sample it first, [start, end), written into
 * `into` (twice `fieldLength` long) from an axis of `outLength` output columns. A column no
 * output pixel samples first (the output is smaller than the field) gets the empty [0, 0).
 */
function spans(into: Int32Array, axisOf: Int32Array, outLength: number, fieldLength: number) {
  into.fill(0);
  for (let x = outLength - 1; x >= 0; x--) into[axisOf[x] as number] = x;
  for (let x = 0; x < outLength; x++) into[fieldLength + (axisOf[x] as number)] = x + 1;
}

/**
 * A picture being painted: an instance of the kernels of its own, whose memory holds the
 * pixels and every table, handed out front to back. Pictures painted at the same time (the
 * Fargate server's concurrent requests) never share an instance, and the pixels go to the
 * encoder as they are, without a copy; `release` then lends the instance to the next one.
 *
 * @example
 * ```ts
 * const painting = Painting.paint(colour, ink, output, palette, options);
 * await sharp(painting.pixels, { raw: { ...output, channels: 3 } }).png().toBuffer();
 * painting.release();
 * ```
 */
export class Painting {
  readonly size: Size;
  readonly #painter: Painter;
  readonly #kernels: BandKernels;
  readonly #pixels: number;
  #top = 0;
  #released = false;
  /** The helper worker let this picture down and may still be writing its rows. */
  #abandoned = false;

  private constructor(size: Size, nearest: ColourLookup | undefined) {
    this.size = size;
    this.#painter = takePainter(nearest ?? noPalette);
    this.#kernels = this.#painter.kernels;
    this.#pixels = this.#reserve(size.width * size.height * 3);
  }

  /** The painted pixels, packed RGB at `size`: a view of the kernels' memory. */
  get pixels(): Buffer {
    if (this.#released) throw new Error('Painting: pixels asked for after release()');
    const { width, height } = this.size;
    return Buffer.from(this.#painter.memory.buffer, this.#pixels, width * height * 3);
  }

  /**
   * Hands the memory on to the next picture, once nothing reads the pixels any more (the
   * encoder has finished). A painting never released is simply collected.
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#painter.nearest = noPalette;
    if (idle.length < MAX_IDLE && !this.#abandoned) idle.push(this.#painter);
  }

  /**
   * Paints a cartoon at the output size itself, never at a fraction scaled up: every output
   * pixel interpolates the softened colour field (bilinear, at its own position) and takes
   * its nearest fill colour, then the ink field, interpolated alike, is laid over it.
   *
   * Most of a cartoon is flat, so most pixels need no interpolation: where the four colour
   * field pixels around an output pixel already agree, that is its colour. Output rows that
   * sample the same two field rows share those flat pixels, so each such row starts as a
   * copy of the flat row, and only the pixels on a border between two fill colours are
   * worked out one by one. Ink coverage above INK_FLOOR is doubled, so scaled-up lines stay
   * crisp, and blended in with the style's ink colour and strength; only ink field cells
   * with a corner above the floor are visited, so its cost follows the length of the
   * outlines. Both go a band of rows at a time (see BAND), the ink over the rows just
   * filled.
   *
   * The loops run in WebAssembly (paint-kernels.wat) and give the bytes the TypeScript they
   * replaced gave (test/support/paint-reference.ts). When an image may use two threads (see
   * `configureSharp`), a picture of SHARE_PIXELS or more is painted half here and half by
   * the helper worker in the same shared memory (helper.ts), to the same bytes.
   */
  static paint(
    colourField: Field,
    inkField: Field,
    output: Size,
    palette: Uint8Array,
    options: ResolvedOptions,
  ): Painting {
    return Painting.#paint(colourField, inkField, output, palette, options, true);
  }

  /** `paint`, with the helper worker's half when `mayShare` and the picture is large. */
  static #paint(
    colourField: Field,
    inkField: Field,
    output: Size,
    palette: Uint8Array,
    options: ResolvedOptions,
    mayShare: boolean,
  ): Painting {
    const { pixels: colour, size: colourSize } = colourField;
    const { pixels: ink, size: inkSize } = inkField;
    const fill = fillColours(palette, options);
    const painting = new Painting(output, fill.nearest);
    const { width, height } = output;
    const cw = colourSize.width;
    const iw = inkSize.width;
    const fieldPixels = cw * colourSize.height;
    // Every region first: growing the memory detaches the views made before.
    const at = {
      colour: painting.#reserve(fieldPixels * 3),
      labels: painting.#reserve(fieldPixels),
      cache: painting.#reserve(CACHE_CELLS),
      colours: painting.#reserve(fill.colours.length),
      cx: painting.#reserve(12 * width),
      cy: painting.#reserve(12 * height),
      spans: painting.#reserve(8 * cw),
      borders: painting.#reserve(4 * cw),
      flatRow: painting.#reserve(3 * width),
      // Room after the field for the kernel's last sixteen-column read (see paint-kernels.wat).
      ink: painting.#reserve(ink.length + 32),
      inkedRows: painting.#reserve(inkSize.height),
      active: painting.#reserve(4 * iw),
      ix: painting.#reserve(12 * width),
      iy: painting.#reserve(12 * height),
      inkSpans: painting.#reserve(8 * iw),
      // The helper worker's own scratch, for the rows it paints (see helper.ts).
      theirBorders: painting.#reserve(4 * cw),
      theirFlatRow: painting.#reserve(3 * width),
      theirActive: painting.#reserve(4 * iw),
    };
    painting.#bytes(at.colour, fieldPixels * 3).set(colour);
    painting.#bytes(at.cache, CACHE_CELLS).fill(255);
    painting.#bytes(at.colours, fill.colours.length).set(fill.colours);
    const cx = painting.#ints(at.cx, 3 * width);
    axis(cx, width, cw);
    axis(painting.#ints(at.cy, 3 * height), height, colourSize.height);
    spans(painting.#ints(at.spans, 2 * cw), cx, width, cw);
    painting.#bytes(at.ink, ink.length).set(ink);
    const ix = painting.#ints(at.ix, 3 * width);
    axis(ix, width, iw);
    axis(painting.#ints(at.iy, 3 * height), height, inkSize.height);
    spans(painting.#ints(at.inkSpans, 2 * iw), ix, width, iw);

    const k = painting.#kernels;
    const [inkR, inkG, inkB] = options.style.ink;
    const picture: Picture = {
      colour: at.colour,
      labels: at.labels,
      cw,
      cache: at.cache,
      tones: fill.tones,
      scale: fill.scale,
      colours: at.colours,
      cx: at.cx,
      cy: at.cy,
      spans: at.spans,
      out: painting.#pixels,
      width,
      height,
      inked: options.edgeStrength > 0,
      ink: at.ink,
      iw,
      inkedRows: at.inkedRows,
      ix: at.ix,
      iy: at.iy,
      inkSpans: at.inkSpans,
      inkR,
      inkG,
      inkB,
      strength: Math.round(options.edgeStrength * 256),
      inkFloor: INK_FLOOR,
    };
    const own: Scratch = { borders: at.borders, flatRow: at.flatRow, active: at.active };
    const paintOwn = (from: number, to: number) =>
      paintRows(k, picture, painting.#painter.memory.buffer, own, from, to);
    if (!mayShare || !secondThread() || width * height < SHARE_PIXELS) {
      paintOwn(0, height);
      return painting;
    }
    // The worker paints the lower half with scratch tables of its own.
    const split = Math.ceil(height / 2 / BAND) * BAND;
    const job = {
      kind: 'paint' as const,
      key: painting.#painter.key,
      memory: painting.#painter.memory,
      ...(fill.nearest ? { palette } : {}),
      picture,
      scratch: { borders: at.theirBorders, flatRow: at.theirFlatRow, active: at.theirActive },
      from: split,
      to: height,
    };
    const shared = share(
      job,
      () => paintOwn(0, split),
      () => undefined,
    );
    if (shared === 'alone') paintOwn(0, height);
    if (shared !== 'abandoned') return painting;
    // The worker may still be writing these rows: the memory is dropped, not pooled, and
    // the picture painted afresh, alone.
    painting.#abandoned = true;
    painting.release();
    return Painting.#paint(colourField, inkField, output, palette, options, false);
  }

  /** Reserves `bytes` of the kernels' memory (16-byte aligned), growing it; their offset. */
  #reserve(bytes: number): number {
    const offset = this.#top;
    this.#top += Math.ceil(bytes / 16) * 16;
    growTo(this.#painter.memory, this.#top);
    return offset;
  }

  /** A view of `length` bytes at `offset`: made after the last `#reserve`, which detaches. */
  #bytes(offset: number, length: number): Uint8Array {
    return new Uint8Array(this.#painter.memory.buffer, offset, length);
  }

  /** A view of `length` i32s at `offset`: made after the last `#reserve`, which detaches. */
  #ints(offset: number, length: number): Int32Array {
    return new Int32Array(this.#painter.memory.buffer, offset, length);
  }
}
