import type { ResolvedOptions } from './options';
import { type ColourLookup, paletteLookup, saturatePalette } from './palette';
import type { Size } from './size';

/** Colour of the paper under the `sketch` style's pencil. */
const PAPER: readonly [number, number, number] = [250, 247, 240];
/** How dark the darkest pencil tone is, as a fraction of the paper's brightness. */
const DARKEST_PENCIL_TONE = 0.8;

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
  // Pencil: `colours` tones by luminance, from the darkest shading up to bare paper.
  const tones = options.colours;
  const colours = new Uint8Array(tones * 3);
  for (let tone = 0; tone < tones; tone++) {
    const shade = 1 - (1 - DARKEST_PENCIL_TONE) * (1 - tone / (tones - 1));
    for (let channel = 0; channel < 3; channel++) {
      colours[tone * 3 + channel] = Math.round((PAPER[channel] as number) * shade);
    }
  }
  const scale = tones / (256 * 1000);
  return {
    lookup: (r, g, b) => Math.min(tones - 1, Math.floor((299 * r + 587 * g + 114 * b) * scale)),
    colours,
  };
}

/** Ink coverage below this is dropped and above it is doubled, so scaled-up lines stay crisp. */
const INK_FLOOR = 40;

/** Softened colour (RGB) and ink coverage (0–255), each at its own analysis size. */
export interface Fields {
  readonly colour: Buffer;
  readonly colourSize: Size;
  readonly ink: Buffer;
  readonly inkSize: Size;
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

/** Bilinear mix of four samples with weights in 1/256ths (a top-level function V8 inlines). */
function bilinear(
  field: Uint8Array,
  p00: number,
  p01: number,
  p10: number,
  p11: number,
  fx: number,
  fy: number,
): number {
  const top = (field[p00] as number) * (256 - fx) + (field[p01] as number) * fx;
  const bottom = (field[p10] as number) * (256 - fx) + (field[p11] as number) * fx;
  return (top * (256 - fy) + bottom * fy) >> 16;
}

/** For each field column, the output columns that sample it first: [start, end). */
function spans(first: Int32Array, fieldLength: number) {
  const start = new Int32Array(fieldLength).fill(0);
  const end = new Int32Array(fieldLength).fill(0);
  for (let x = first.length - 1; x >= 0; x--) start[first[x] as number] = x;
  for (let x = 0; x < first.length; x++) end[first[x] as number] = x + 1;
  return { start, end };
}

/**
 * Paints the cartoon at the output size itself, never at a fraction scaled up: every output
 * pixel interpolates the softened colour and ink fields (bilinear, at its own position) and
 * takes its nearest fill colour, then ink is laid over it. Returns packed RGB.
 *
 * Most of a cartoon is flat, so most pixels need no interpolation: where the four colour
 * field pixels around an output pixel already agree, that is its colour. Output rows that
 * sample the same two field rows share those flat pixels, so each such row starts as a copy
 * (a memcpy) of the flat row, and only the pixels on a border between two fill colours, and
 * those near ink, are worked out one by one.
 */
export function paint(
  fields: Fields,
  output: Size,
  palette: Uint8Array,
  options: ResolvedOptions,
): Buffer {
  const { colour, colourSize, ink, inkSize } = fields;
  const { lookup, colours } = fillColours(palette, options);
  const cw = colourSize.width;
  const iw = inkSize.width;
  const labels = new Uint8Array(cw * colourSize.height);
  for (let p = 0, i = 0; p < labels.length; p++, i += 3) {
    labels[p] = lookup(colour[i] as number, colour[i + 1] as number, colour[i + 2] as number);
  }
  // Where ink can show: an interpolated coverage above INK_FLOOR needs a field pixel above it.
  const inked = new Uint8Array(ink.length);
  const inkRows = new Uint8Array(inkSize.height);
  for (let y = 0; y < inkSize.height; y++) {
    for (let x = y * iw, end = x + iw; x < end; x++) {
      if ((ink[x] as number) > INK_FLOOR) {
        inked[x] = 1;
        inkRows[y] = 1;
      }
    }
  }
  const cx = axis(output.width, cw);
  const cy = axis(output.height, colourSize.height);
  const ix = axis(output.width, iw);
  const iy = axis(output.height, inkSize.height);
  const inkSpans = spans(ix.first, iw);
  const [inkR, inkG, inkB] = options.style.ink;
  const strength = Math.round(options.edgeStrength * 256);
  const width = output.width;
  const rowBytes = width * 3;
  const out = Buffer.allocUnsafe(rowBytes * output.height);
  const flatRow = new Uint8Array(rowBytes);
  const borders = new Int32Array(width);
  let borderCount = 0;
  let rowPair = -1;
  for (let y = 0; y < output.height; y++) {
    const c0 = (cy.first[y] as number) * cw;
    const c1 = (cy.second[y] as number) * cw;
    const fy = cy.weight[y] as number;
    if (c0 * 65536 + c1 !== rowPair) {
      // A new pair of colour-field rows: find its flat pixels and its borders once.
      rowPair = c0 * 65536 + c1;
      borderCount = 0;
      let lastX0 = -1;
      let flat = -1;
      for (let x = 0; x < width; x++) {
        const x0 = cx.first[x] as number;
        if (x0 !== lastX0) {
          lastX0 = x0;
          const x1 = cx.second[x] as number;
          const l = labels[c0 + x0] as number;
          flat = l === labels[c0 + x1] && l === labels[c1 + x0] && l === labels[c1 + x1] ? l : -1;
        }
        if (flat < 0) {
          borders[borderCount++] = x;
        } else {
          flatRow[x * 3] = colours[flat * 3] as number;
          flatRow[x * 3 + 1] = colours[flat * 3 + 1] as number;
          flatRow[x * 3 + 2] = colours[flat * 3 + 2] as number;
        }
      }
    }
    const row = y * rowBytes;
    out.set(flatRow, row);
    for (let k = 0; k < borderCount; k++) {
      const x = borders[k] as number;
      const fx = cx.weight[x] as number;
      const p00 = (c0 + (cx.first[x] as number)) * 3;
      const p01 = (c0 + (cx.second[x] as number)) * 3;
      const p10 = (c1 + (cx.first[x] as number)) * 3;
      const p11 = (c1 + (cx.second[x] as number)) * 3;
      const index =
        lookup(
          bilinear(colour, p00, p01, p10, p11, fx, fy),
          bilinear(colour, p00 + 1, p01 + 1, p10 + 1, p11 + 1, fx, fy),
          bilinear(colour, p00 + 2, p01 + 2, p10 + 2, p11 + 2, fx, fy),
        ) * 3;
      const o = row + x * 3;
      out[o] = colours[index] as number;
      out[o + 1] = colours[index + 1] as number;
      out[o + 2] = colours[index + 2] as number;
    }

    if (strength === 0) continue;
    const inkRow0 = iy.first[y] as number;
    const inkRow1 = iy.second[y] as number;
    if (!inkRows[inkRow0] && !inkRows[inkRow1]) continue;
    const i0 = inkRow0 * iw;
    const i1 = inkRow1 * iw;
    const gy = iy.weight[y] as number;
    for (let u = 0; u < iw; u++) {
      const u1 = u + 1 < iw ? u + 1 : u;
      if (
        ((inked[i0 + u] as number) |
          (inked[i0 + u1] as number) |
          (inked[i1 + u] as number) |
          (inked[i1 + u1] as number)) ===
        0
      )
        continue;
      for (let x = inkSpans.start[u] as number, end = inkSpans.end[u] as number; x < end; x++) {
        const coverage =
          (bilinear(ink, i0 + u, i0 + u1, i1 + u, i1 + u1, ix.weight[x] as number, gy) -
            INK_FLOOR) *
          2;
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
  return out;
}
