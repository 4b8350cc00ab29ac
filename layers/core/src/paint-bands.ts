/**
 * The painter's rows, a band at a time: what the main thread and the helper worker
 * (helper-worker.ts) both run over one picture in shared memory, each over its own rows.
 * The worker's bundle is built from this file, so nothing here may import its source
 * (helper.ts).
 */

/**
 * Output rows the kernels paint per call. A call runs to its end in the tier it started in,
 * so one call a picture would paint the whole of a process's first picture with the engine's
 * baseline compiler (about twice as slow); bands let the optimised code take over after a
 * few. The band size itself made no measurable difference between 2 and 32 rows.
 */
export const BAND = 8;

/** The kernels' exports that paint rows (see paint-kernels.wat, which documents each). */
export interface BandKernels {
  label(
    colour: number,
    labels: number,
    count: number,
    cache: number,
    tones: number,
    scale: number,
  ): void;
  inkedRows(ink: number, iw: number, ih: number, rows: number, floor: number): void;
  restart(floor: number): void;
  fill(
    colour: number,
    labels: number,
    cw: number,
    cache: number,
    tones: number,
    scale: number,
    colours: number,
    cx: number,
    cy: number,
    spans: number,
    borders: number,
    flatRow: number,
    out: number,
    width: number,
    height: number,
    from: number,
    to: number,
  ): void;
  ink(
    ink: number,
    iw: number,
    rows: number,
    active: number,
    ix: number,
    iy: number,
    spans: number,
    out: number,
    width: number,
    height: number,
    inkR: number,
    inkG: number,
    inkB: number,
    strength: number,
    from: number,
    to: number,
  ): void;
}

/** Where a picture's tables lie in the kernels' memory, and the values the loops take. */
export interface Picture {
  readonly colour: number;
  readonly labels: number;
  readonly cw: number;
  readonly cache: number;
  readonly tones: number;
  readonly scale: number;
  readonly colours: number;
  readonly cx: number;
  readonly cy: number;
  readonly spans: number;
  readonly out: number;
  readonly width: number;
  readonly height: number;
  /** Whether there is ink to lay (the style's edge strength is above zero). */
  readonly inked: boolean;
  readonly ink: number;
  readonly iw: number;
  readonly inkedRows: number;
  readonly ix: number;
  readonly iy: number;
  readonly inkSpans: number;
  readonly inkR: number;
  readonly inkG: number;
  readonly inkB: number;
  readonly strength: number;
  readonly inkFloor: number;
}

/** The tables a painter writes as it goes, one set for each thread painting a picture. */
export interface Scratch {
  readonly borders: number;
  readonly flatRow: number;
  readonly active: number;
}

/**
 * Paints output rows [from, to) of `picture`: first labels the colour-field rows and marks
 * the ink-field rows those rows sample, and only those (the two threads sharing a picture
 * each prepare their own rows, and a row both sample gets the same bytes from each), then
 * fill and ink a band at a time. `memory` is the kernels' memory, where the axes lie.
 */
export function paintRows(
  k: BandKernels,
  p: Picture,
  memory: ArrayBufferLike,
  scratch: Scratch,
  from: number,
  to: number,
): void {
  prepareRows(k, p, memory, from, to);
  paintBands(k, p, scratch, from, to);
}

/** Labels and marks the field rows output rows [from, to) sample (see `paintRows`). */
function prepareRows(
  k: BandKernels,
  p: Picture,
  memory: ArrayBufferLike,
  from: number,
  to: number,
): void {
  const rows = (axis: number) => {
    const table = new Int32Array(memory, axis, 3 * p.height);
    return [table[from] as number, (table[p.height + to - 1] as number) + 1] as const;
  };
  const [c0, c1] = rows(p.cy);
  k.label(
    p.colour + c0 * p.cw * 3,
    p.labels + c0 * p.cw,
    (c1 - c0) * p.cw,
    p.cache,
    p.tones,
    p.scale,
  );
  if (p.inked) {
    const [i0, i1] = rows(p.iy);
    k.inkedRows(p.ink + i0 * p.iw, p.iw, i1 - i0, p.inkedRows + i0, p.inkFloor);
  }
}

/** Fills and inks output rows [from, to) of `picture`, a band at a time. */
function paintBands(k: BandKernels, p: Picture, scratch: Scratch, from: number, to: number): void {
  k.restart(p.inkFloor);
  for (let top = from; top < to; top += BAND) {
    const bottom = Math.min(to, top + BAND);
    k.fill(
      p.colour,
      p.labels,
      p.cw,
      p.cache,
      p.tones,
      p.scale,
      p.colours,
      p.cx,
      p.cy,
      p.spans,
      scratch.borders,
      scratch.flatRow,
      p.out,
      p.width,
      p.height,
      top,
      bottom,
    );
    if (p.inked) {
      k.ink(
        p.ink,
        p.iw,
        p.inkedRows,
        scratch.active,
        p.ix,
        p.iy,
        p.inkSpans,
        p.out,
        p.width,
        p.height,
        p.inkR,
        p.inkG,
        p.inkB,
        p.strength,
        top,
        bottom,
      );
    }
  }
}
