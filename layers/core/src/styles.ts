/**
 * Named style presets. Every field is a parameter users can override per request
 * (see `CartoonOptions`); the preset only supplies defaults.
 */
export interface StyleParameters {
  /**
   * Largest number of flat colours in the palette (2–32); colours nearly equal to another are
   * merged, so a plain picture may get fewer. For `sketch`, the number of pencil tones.
   */
  readonly colours: number;
  /** How dark the ink outlines are, 0 (none) to 1 (solid ink). */
  readonly edgeStrength: number;
  /** Outline thickness multiplier, 0.5 (fine) to 4 (heavy). */
  readonly edgeThickness: number;
  /** Multiplier of the palette's OKLab chroma (hue and lightness kept), 0 to 3. */
  readonly saturation: number;
  /** Softening before quantisation, in pixels of a 512 px image (0.5–8); more hides texture. */
  readonly smoothing: number;
}

export interface StylePreset extends StyleParameters {
  readonly name: StyleName;
  readonly description: string;
  /** How the flat areas are painted: palette colours, or pencil tones on paper. */
  readonly fill: 'palette' | 'pencil';
  /** Ink colour as [r, g, b]. */
  readonly ink: readonly [number, number, number];
}

export const STYLE_NAMES = ['classic', 'comic', 'sketch'] as const;
export type StyleName = (typeof STYLE_NAMES)[number];

export const STYLES: Readonly<Record<StyleName, StylePreset>> = {
  classic: {
    name: 'classic',
    description: 'Flat colour regions with clean dark outlines.',
    fill: 'palette',
    ink: [24, 20, 28],
    colours: 12,
    edgeStrength: 0.9,
    edgeThickness: 1.2,
    saturation: 1.15,
    smoothing: 2.5,
  },
  comic: {
    name: 'comic',
    description: 'Bold ink and a few saturated colours.',
    fill: 'palette',
    ink: [8, 8, 12],
    colours: 8,
    edgeStrength: 1,
    edgeThickness: 1.5,
    saturation: 1.6,
    smoothing: 3.5,
  },
  sketch: {
    name: 'sketch',
    description: 'Graphite pencil lines and light shading on paper.',
    fill: 'pencil',
    ink: [40, 40, 48],
    colours: 3,
    edgeStrength: 1,
    edgeThickness: 1,
    saturation: 0,
    smoothing: 3,
  },
};

/** The limits each style parameter accepts, used by the option validator and `GET /styles`. */
export const STYLE_PARAMETER_RANGES: Readonly<
  Record<
    keyof StyleParameters,
    { readonly min: number; readonly max: number; readonly integer: boolean }
  >
> = {
  colours: { min: 2, max: 32, integer: true },
  edgeStrength: { min: 0, max: 1, integer: false },
  edgeThickness: { min: 0.5, max: 4, integer: false },
  saturation: { min: 0, max: 3, integer: false },
  smoothing: { min: 0.5, max: 8, integer: false },
};
