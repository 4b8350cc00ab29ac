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

/**
 * Paints the cartoon at the output size itself, never at a fraction scaled up: every output
 * pixel interpolates the softened colour and ink fields (bilinear, at its own position) and
 * takes its nearest fill colour, then ink is laid over it. Inside a flat area, where the four
 * field pixels around it already agree on a colour, it skips the interpolation; only pixels
 * on a border between two fill colours pay for it. Returns RGB, or RGBA when given alpha.
 */
export function paint(
  fields: Fields,
  output: Size,
  palette: Uint8Array,
  options: ResolvedOptions,
  alpha?: Buffer,
): Buffer {
  const { colour, colourSize, ink, inkSize } = fields;
  const { lookup, colours } = fillColours(palette, options);
  const labels = new Uint8Array(colourSize.width * colourSize.height);
  for (let p = 0, i = 0; p < labels.length; p++, i += 3) {
    labels[p] = lookup(colour[i] as number, colour[i + 1] as number, colour[i + 2] as number);
  }
  const cx = axis(output.width, colourSize.width);
  const cy = axis(output.height, colourSize.height);
  const ix = axis(output.width, inkSize.width);
  const iy = axis(output.height, inkSize.height);
  const [inkR, inkG, inkB] = options.style.ink;
  const strength = Math.round(options.edgeStrength * 256);
  const channels = alpha ? 4 : 3;
  const out = Buffer.allocUnsafe(output.width * output.height * channels);
  const cw = colourSize.width;
  const iw = inkSize.width;
  // Locals, not property reads, in the loop below: it runs once per output pixel.
  const cxFirst = cx.first;
  const cxSecond = cx.second;
  const cxWeight = cx.weight;
  const ixFirst = ix.first;
  const ixSecond = ix.second;
  const ixWeight = ix.weight;
  const width = output.width;
  let o = 0;
  for (let y = 0; y < output.height; y++) {
    const c0 = (cy.first[y] as number) * cw;
    const c1 = (cy.second[y] as number) * cw;
    const fy = cy.weight[y] as number;
    const i0 = (iy.first[y] as number) * iw;
    const i1 = (iy.second[y] as number) * iw;
    const gy = iy.weight[y] as number;
    // Neighbouring output pixels share their four field pixels (an output 2048 px wide
    // samples a 640 px colour field three times over): decide "flat here" once per run.
    let lastX0 = -1;
    let flatLabel = -1;
    let lastU0 = -1;
    let inkHere = false;
    for (let x = 0; x < width; x++, o += channels) {
      const x0 = cxFirst[x] as number;
      if (x0 !== lastX0) {
        lastX0 = x0;
        const x1 = cxSecond[x] as number;
        const l = labels[c0 + x0] as number;
        flatLabel =
          l === labels[c0 + x1] && l === labels[c1 + x0] && l === labels[c1 + x1] ? l : -1;
      }
      let index = flatLabel;
      if (index < 0) {
        const x1 = cxSecond[x] as number;
        const fx = cxWeight[x] as number;
        const p00 = (c0 + x0) * 3;
        const p01 = (c0 + x1) * 3;
        const p10 = (c1 + x0) * 3;
        const p11 = (c1 + x1) * 3;
        index = lookup(
          bilinear(colour, p00, p01, p10, p11, fx, fy),
          bilinear(colour, p00 + 1, p01 + 1, p10 + 1, p11 + 1, fx, fy),
          bilinear(colour, p00 + 2, p01 + 2, p10 + 2, p11 + 2, fx, fy),
        );
      }
      index *= 3;
      const u0 = ixFirst[x] as number;
      if (u0 !== lastU0) {
        lastU0 = u0;
        const u1 = ixSecond[x] as number;
        inkHere =
          ((ink[i0 + u0] as number) |
            (ink[i0 + u1] as number) |
            (ink[i1 + u0] as number) |
            (ink[i1 + u1] as number)) !==
          0;
      }
      let a = 0;
      if (inkHere) {
        const u1 = ixSecond[x] as number;
        const coverage =
          (bilinear(ink, i0 + u0, i0 + u1, i1 + u0, i1 + u1, ixWeight[x] as number, gy) -
            INK_FLOOR) *
          2;
        a = coverage <= 0 ? 0 : (Math.min(coverage, 255) * strength) >> 8;
      }
      if (a === 0) {
        out[o] = colours[index] as number;
        out[o + 1] = colours[index + 1] as number;
        out[o + 2] = colours[index + 2] as number;
      } else {
        const keep = 255 - a;
        // (x * 257 + 257) >> 16 is x / 255 to within one level, without a float division.
        out[o] = (((colours[index] as number) * keep + inkR * a) * 257 + 257) >> 16;
        out[o + 1] = (((colours[index + 1] as number) * keep + inkG * a) * 257 + 257) >> 16;
        out[o + 2] = (((colours[index + 2] as number) * keep + inkB * a) * 257 + 257) >> 16;
      }
      if (alpha) out[o + 3] = alpha[o >> 2] as number;
    }
  }
  return out;
}
