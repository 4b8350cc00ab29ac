/**
 * OKLab (Björn Ottosson, 2020): a perceptual colour space in which Euclidean distance
 * follows how different colours look, and hue and chroma are the angle and radius of (a, b).
 * The palette is chosen and matched here, so "nearest colour" means what a viewer means by
 * it: a small red ladybird is far from the green around it, however few pixels it has.
 */

/** 8-bit sRGB to linear light, one entry per level: the transfer curve costs a pow per call. */
const LINEAR = Float64Array.from({ length: 256 }, (_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

/** An OKLab colour: L is lightness 0 (black) to 1 (white); a and b are about ±0.4. */
export interface Lab {
  L: number;
  a: number;
  b: number;
}

/**
 * Converts 8-bit sRGB to OKLab, writing into `out` so hot loops allocate nothing.
 *
 * @example
 * ```ts
 * const lab = srgbToOklab(255, 0, 0, { L: 0, a: 0, b: 0 }); // { L: 0.628, a: 0.225, b: 0.126 }
 * ```
 */
export function srgbToOklab(r: number, g: number, b: number, out: Lab): Lab {
  const lr = LINEAR[r] as number;
  const lg = LINEAR[g] as number;
  const lb = LINEAR[b] as number;
  const l = Math.cbrt(0.4122214708 * lr + 0.5363325363 * lg + 0.0514459929 * lb);
  const m = Math.cbrt(0.2119034982 * lr + 0.6806995451 * lg + 0.1073969566 * lb);
  const s = Math.cbrt(0.0883024619 * lr + 0.2817188376 * lg + 0.6299787005 * lb);
  out.L = 0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s;
  out.a = 1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s;
  out.b = 0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s;
  return out;
}

function encode(linear: number): number {
  const c = linear <= 0.0031308 ? 12.92 * linear : 1.055 * linear ** (1 / 2.4) - 0.055;
  return Math.min(255, Math.max(0, Math.round(c * 255)));
}

/**
 * Converts OKLab to 8-bit sRGB, clipping colours outside the sRGB gamut channel by channel.
 *
 * @example
 * ```ts
 * oklabToSrgb(0.628, 0.225, 0.126); // [255, 0, 0]
 * ```
 */
export function oklabToSrgb(L: number, a: number, b: number): [number, number, number] {
  const l = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s = (L - 0.0894841775 * a - 1.291485548 * b) ** 3;
  return [
    encode(4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s),
    encode(-1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s),
    encode(-0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s),
  ];
}
