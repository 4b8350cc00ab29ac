import type { ResolvedOptions } from './options';
import { type ColourLookup, paletteLookup } from './palette';

/** Colour of the paper under the `sketch` style's pencil. */
const PAPER: readonly [number, number, number] = [250, 247, 240];
/** How dark the darkest pencil tone is, as a fraction of the paper's brightness. */
const DARKEST_PENCIL_TONE = 0.8;

/**
 * Scales each palette colour's distance from its grey by `saturation` (1 leaves it as is).
 * Applied to the palette, not the image: a few colours instead of a million pixels.
 */
export function saturatePalette(palette: Uint8Array, saturation: number): Uint8Array {
  const out = new Uint8Array(palette.length);
  for (let c = 0; c < palette.length; c += 3) {
    const r = palette[c] as number;
    const g = palette[c + 1] as number;
    const b = palette[c + 2] as number;
    const grey = 0.299 * r + 0.587 * g + 0.114 * b;
    out[c] = Math.min(255, Math.max(0, Math.round(grey + (r - grey) * saturation)));
    out[c + 1] = Math.min(255, Math.max(0, Math.round(grey + (g - grey) * saturation)));
    out[c + 2] = Math.min(255, Math.max(0, Math.round(grey + (b - grey) * saturation)));
  }
  return out;
}

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

/** Softened colour (RGB) and ink coverage (0–255), both at the output size. */
export interface Fields {
  readonly colour: Buffer;
  readonly ink: Buffer;
}

/**
 * Paints the cartoon at the output size: each pixel of the softened colour takes its
 * nearest fill colour, then ink is laid over it. Returns RGB, or RGBA when given alpha.
 */
export function paint(
  { colour, ink }: Fields,
  palette: Uint8Array,
  options: ResolvedOptions,
  alpha?: Buffer,
): Buffer {
  const { lookup, colours } = fillColours(palette, options);
  const [inkR, inkG, inkB] = options.style.ink;
  const strength = Math.round(options.edgeStrength * 256);
  const pixels = ink.length;
  const channels = alpha ? 4 : 3;
  const out = Buffer.allocUnsafe(pixels * channels);
  for (let p = 0, i = 0, o = 0; p < pixels; p++, i += 3, o += channels) {
    const index = lookup(colour[i] as number, colour[i + 1] as number, colour[i + 2] as number) * 3;
    const coverage = ((ink[p] as number) - INK_FLOOR) * 2;
    const a = coverage <= 0 ? 0 : (Math.min(coverage, 255) * strength) >> 8;
    const keep = 255 - a;
    // (x * 257 + 257) >> 16 is x / 255 to within one level, without a float division.
    out[o] = (((colours[index] as number) * keep + inkR * a) * 257 + 257) >> 16;
    out[o + 1] = (((colours[index + 1] as number) * keep + inkG * a) * 257 + 257) >> 16;
    out[o + 2] = (((colours[index + 2] as number) * keep + inkB * a) * 257 + 257) >> 16;
    if (alpha) out[o + 3] = alpha[p] as number;
  }
  return out;
}
