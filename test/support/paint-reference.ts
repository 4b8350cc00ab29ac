/**
 * The painter's loops in plain TypeScript, as they ran before paint-kernels.wat: the oracle
 * the kernels are tested against (test/unit/paint-kernels.test.ts).
 */
import type { ResolvedOptions } from '../../layers/core/src/options';
import { pencilTones } from '../../layers/core/src/paint';
import { type ColourLookup, paletteLookup, saturatePalette } from '../../layers/core/src/palette';
import type { Size } from '../../layers/core/src/size';

/** The colour each flat area is painted with: palette colours, or pencil tones of grey. */
function fillColours(
  palette: Uint8Array,
  options: ResolvedOptions,
): { lookup: ColourLookup; colours: Uint8Array } {
  if (options.style.fill === 'palette') {
    return {
      lookup: paletteLookup(palette),
      colours: saturatePalette(palette, options.saturation),
    };
  }
  // Pencil: `colours` tones by luminance (the colours themselves are not the kernels' work).
  const tones = options.colours;
  const colours = pencilTones(tones);
  const scale = tones / (256 * 1000);
  return {
    lookup: (r, g, b) => Math.min(tones - 1, Math.floor((299 * r + 587 * g + 114 * b) * scale)),
    colours,
  };
}

/** Ink coverage below this is dropped and above it is doubled, so scaled-up lines stay crisp. */
const INK_FLOOR = 40;

/** A field sampled by the painter: pixels at a size of their own, interpolated to the output. */
export interface Field {
  readonly pixels: Buffer;
  readonly size: Size;
}

/**
 * Where each output column (or row) samples a smaller field: the two neighbours and the
 * weight of the second, in 1/256ths, for bilinear interpolation at pixel centres.
 */
function axis(outLength: number, fieldLength: number) {
  const first = new Int32Array(outLength);
  const second = new Int32Array(outLength);
  const weight = new Int32Array(outLength);
  const scale = fieldLength / outLength;
  for (let x = 0; x < outLength; x++) {
    const at = Math.min(fieldLength - 1, Math.max(0, (x + 0.5) * scale - 0.5));
    const i = Math.floor(at);
    first[x] = i;
    second[x] = Math.min(fieldLength - 1, i + 1);
    weight[x] = Math.round((at - i) * 256);
  }
  return { first, second, weight };
}

/** For each field column, the output columns that sample it first: [start, end). */
function spans(first: Int32Array, fieldLength: number) {
  const start = new Int32Array(fieldLength);
  const end = new Int32Array(fieldLength);
  for (let x = first.length - 1; x >= 0; x--) start[first[x] as number] = x;
  for (let x = 0; x < first.length; x++) end[first[x] as number] = x + 1;
  return { start, end };
}

/** Whether each row of the ink field has a pixel above INK_FLOOR, so can show ink. */
function inkedRows(ink: Buffer, size: Size): Uint8Array {
  const rows = new Uint8Array(size.height);
  for (let y = 0, p = 0; y < size.height; y++) {
    for (const end = p + size.width; p < end; p++) {
      if ((ink[p] as number) > INK_FLOOR) {
        rows[y] = 1;
        p = end;
        break;
      }
    }
  }
  return rows;
}

/**
 * Paints the flat colours at the output size itself, never at a fraction scaled up: every
 * output pixel interpolates the softened colour field (bilinear, at its own position) and
 * takes its nearest fill colour. Returns packed RGB; `layInk` then draws the outlines on it.
 *
 * Most of a cartoon is flat, so most pixels need no interpolation: where the four colour
 * field pixels around an output pixel already agree, that is its colour. Output rows that
 * sample the same two field rows share those flat pixels, so each such row starts as a copy
 * (a memcpy) of the flat row, and only the pixels on a border between two fill colours are
 * worked out one by one.
 */
export function paintFill(
  field: Field,
  output: Size,
  palette: Uint8Array,
  options: ResolvedOptions,
): Buffer {
  const { pixels: colour, size: colourSize } = field;
  const { lookup, colours } = fillColours(palette, options);
  const cw = colourSize.width;
  const labels = new Uint8Array(cw * colourSize.height);
  for (let p = 0, i = 0; p < labels.length; p++, i += 3) {
    labels[p] = lookup(colour[i] as number, colour[i + 1] as number, colour[i + 2] as number);
  }
  const cx = axis(output.width, cw);
  const cy = axis(output.height, colourSize.height);
  const colourSpans = spans(cx.first, cw);
  const width = output.width;
  const rowBytes = width * 3;
  const out = Buffer.allocUnsafe(rowBytes * output.height);
  const flatRow = new Uint8Array(rowBytes);
  // Field columns whose cell is on a border between fill colours, for this pair of rows.
  const borders = new Int32Array(cw);
  let borderCount = 0;
  let rowPair = -1;
  for (let y = 0; y < output.height; y++) {
    const c0 = (cy.first[y] as number) * cw;
    const c1 = (cy.second[y] as number) * cw;
    if (c0 * 65536 + c1 !== rowPair) {
      // A new pair of colour-field rows: find its flat pixels and its borders once.
      rowPair = c0 * 65536 + c1;
      borderCount = 0;
      for (let u = 0; u < cw; u++) {
        const start = colourSpans.start[u] as number;
        const end = colourSpans.end[u] as number;
        if (start === end) continue;
        const u1 = cx.second[start] as number;
        const l = labels[c0 + u] as number;
        if (l === labels[c0 + u1] && l === labels[c1 + u] && l === labels[c1 + u1]) {
          const r = colours[l * 3] as number;
          const g = colours[l * 3 + 1] as number;
          const b = colours[l * 3 + 2] as number;
          for (let o = start * 3, stop = end * 3; o < stop; o += 3) {
            flatRow[o] = r;
            flatRow[o + 1] = g;
            flatRow[o + 2] = b;
          }
        } else {
          borders[borderCount++] = u;
        }
      }
    }
    const row = y * rowBytes;
    out.set(flatRow, row);
    // Border pixels: the colour field interpolated at this pixel (bilinear: down the cell's
    // two columns once, then across for each pixel), then its fill colour.
    const fy = cy.weight[y] as number;
    const gy = 256 - fy;
    for (let k = 0; k < borderCount; k++) {
      const u = borders[k] as number;
      const start = colourSpans.start[u] as number;
      const end = colourSpans.end[u] as number;
      const p0 = (c0 + u) * 3;
      const p1 = (c1 + u) * 3;
      const q0 = (c0 + (cx.second[start] as number)) * 3;
      const q1 = (c1 + (cx.second[start] as number)) * 3;
      const leftR = (colour[p0] as number) * gy + (colour[p1] as number) * fy;
      const leftG = (colour[p0 + 1] as number) * gy + (colour[p1 + 1] as number) * fy;
      const leftB = (colour[p0 + 2] as number) * gy + (colour[p1 + 2] as number) * fy;
      const rightR = (colour[q0] as number) * gy + (colour[q1] as number) * fy;
      const rightG = (colour[q0 + 1] as number) * gy + (colour[q1 + 1] as number) * fy;
      const rightB = (colour[q0 + 2] as number) * gy + (colour[q1 + 2] as number) * fy;
      for (let x = start; x < end; x++) {
        const fx = cx.weight[x] as number;
        const gx = 256 - fx;
        const index =
          lookup(
            (leftR * gx + rightR * fx) >> 16,
            (leftG * gx + rightG * fx) >> 16,
            (leftB * gx + rightB * fx) >> 16,
          ) * 3;
        const o = row + x * 3;
        out[o] = colours[index] as number;
        out[o + 1] = colours[index + 1] as number;
        out[o + 2] = colours[index + 2] as number;
      }
    }
  }
  return out;
}

/**
 * Lays the ink over painted pixels, in place: the ink field (coverage 0–255) interpolated at
 * each output pixel (bilinear), its coverage above INK_FLOOR doubled, and blended in with
 * the style's ink colour and strength. Only field cells with a corner above the floor are
 * visited, so the cost follows the length of the outlines.
 */
export function layInk(out: Buffer, output: Size, field: Field, options: ResolvedOptions): void {
  if (options.edgeStrength === 0) return;
  const { pixels: ink, size: inkSize } = field;
  const iw = inkSize.width;
  const rowsWithInk = inkedRows(ink, inkSize);
  const ix = axis(output.width, iw);
  const iy = axis(output.height, inkSize.height);
  const inkSpans = spans(ix.first, iw);
  const [inkR, inkG, inkB] = options.style.ink;
  const strength = Math.round(options.edgeStrength * 256);
  const rowBytes = output.width * 3;
  // Field columns with a corner above the floor, found once per pair of field rows and
  // shared by the output rows between them.
  const active = new Int32Array(iw);
  let activeCount = 0;
  let rowPair = -1;
  for (let y = 0; y < output.height; y++) {
    const inkRow0 = iy.first[y] as number;
    const inkRow1 = iy.second[y] as number;
    if (!rowsWithInk[inkRow0] && !rowsWithInk[inkRow1]) continue;
    const i0 = inkRow0 * iw;
    const i1 = inkRow1 * iw;
    if (i0 * 65536 + inkRow1 !== rowPair) {
      rowPair = i0 * 65536 + inkRow1;
      activeCount = 0;
      for (let u = 0; u < iw; u++) {
        const u1 = u + 1 < iw ? u + 1 : u;
        if (
          (ink[i0 + u] as number) > INK_FLOOR ||
          (ink[i0 + u1] as number) > INK_FLOOR ||
          (ink[i1 + u] as number) > INK_FLOOR ||
          (ink[i1 + u1] as number) > INK_FLOOR
        )
          active[activeCount++] = u;
      }
    }
    const fy = iy.weight[y] as number;
    const gy = 256 - fy;
    const row = y * rowBytes;
    for (let k = 0; k < activeCount; k++) {
      const u = active[k] as number;
      const u1 = u + 1 < iw ? u + 1 : u;
      const v00 = ink[i0 + u] as number;
      const v01 = ink[i0 + u1] as number;
      const v10 = ink[i1 + u] as number;
      const v11 = ink[i1 + u1] as number;
      // Down the column first, once per field cell; then across, once per output pixel.
      const left = v00 * gy + v10 * fy;
      const right = v01 * gy + v11 * fy;
      for (let x = inkSpans.start[u] as number, end = inkSpans.end[u] as number; x < end; x++) {
        const fx = ix.weight[x] as number;
        const coverage = (((left * (256 - fx) + right * fx) >> 16) - INK_FLOOR) * 2;
        if (coverage <= 0) continue;
        const a = (Math.min(coverage, 255) * strength) >> 8;
        const keep = 255 - a;
        const o = row + x * 3;
        // (x * 257 + 257) >> 16 is x / 255 to within one level, without a float division.
        out[o] = (((out[o] as number) * keep + inkR * a) * 257 + 257) >> 16;
        out[o + 1] = (((out[o + 1] as number) * keep + inkG * a) * 257 + 257) >> 16;
        out[o + 2] = (((out[o + 2] as number) * keep + inkB * a) * 257 + 257) >> 16;
      }
    }
  }
}
