import { InvalidOptionError } from './errors';
import {
  STYLE_NAMES,
  STYLE_PARAMETER_RANGES,
  STYLES,
  type StyleName,
  type StyleParameters,
  type StylePreset,
} from './styles';

export const OUTPUT_FORMATS = ['jpeg', 'png', 'webp'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * What a caller may ask for. Numbers may also be given as decimal strings, as they arrive
 * in a query string; anything else is rejected with a message naming the option.
 */
export interface CartoonOptions extends Partial<StyleParameters> {
  /** Style preset; its parameters are the defaults for the fields below. Default `classic`. */
  style?: StyleName;
  /** The output fits inside a `maxSide`×`maxSide` box; images are never upscaled. Default 1024. */
  maxSide?: number;
  /** Output format. Default `jpeg`. */
  format?: OutputFormat;
  /** Encoder quality for jpeg and webp, 1–100. Default 82. */
  quality?: number;
}

/** Options after validation, with every default filled in. */
export interface ResolvedOptions extends StyleParameters {
  readonly style: StylePreset;
  readonly maxSide: number;
  readonly format: OutputFormat;
  readonly quality: number;
}

export const OPTION_RANGES = {
  maxSide: { min: 16, max: 4096, integer: true },
  quality: { min: 1, max: 100, integer: true },
  ...STYLE_PARAMETER_RANGES,
} as const;

export const DEFAULT_MAX_SIDE = 1024;
export const DEFAULT_QUALITY = 82;

const KNOWN_OPTIONS = new Set(['style', 'format', ...Object.keys(OPTION_RANGES)]);
const NUMBER_PATTERN = /^-?(?:\d+\.?\d*|\.\d+)$/;

function received(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

function oneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value))
    return value as T;
  throw new InvalidOptionError(
    `Expected one of ${allowed.join(', ')} for ${name} but received ${received(value)}`,
  );
}

function numberIn(name: keyof typeof OPTION_RANGES, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const { min, max, integer } = OPTION_RANGES[name];
  const parsed =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && NUMBER_PATTERN.test(value.trim())
        ? Number(value)
        : Number.NaN;
  if (
    !Number.isFinite(parsed) ||
    parsed < min ||
    parsed > max ||
    (integer && !Number.isInteger(parsed))
  ) {
    const kind = integer ? 'integer' : 'number';
    throw new InvalidOptionError(
      `Expected ${kind} between ${min} and ${max} for ${name} but received ${received(value)}`,
    );
  }
  return parsed;
}

/**
 * Validates caller options and fills in the style's defaults. Unknown option names are
 * rejected too, so that a typo (`maxsize`) does not pass silently.
 *
 * @example
 * ```ts
 * resolveOptions({ style: 'comic', maxSide: '512' }); // maxSide 512, comic's palette and ink
 * resolveOptions({ quality: 0 }); // throws InvalidOptionError:
 * // "Expected integer between 1 and 100 for quality but received 0"
 * ```
 */
export function resolveOptions(
  options: CartoonOptions | Record<string, unknown> = {},
): ResolvedOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionError(
      `Expected an object for options but received ${received(options)}`,
    );
  }
  const values = options as Record<string, unknown>;
  for (const key of Object.keys(values)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new InvalidOptionError(
        `Unknown option ${key}; expected one of ${[...KNOWN_OPTIONS].join(', ')}`,
      );
    }
  }
  const style = STYLES[oneOf('style', values.style, STYLE_NAMES, 'classic')];
  return {
    style,
    format: oneOf('format', values.format, OUTPUT_FORMATS, 'jpeg'),
    maxSide: numberIn('maxSide', values.maxSide, DEFAULT_MAX_SIDE),
    quality: numberIn('quality', values.quality, DEFAULT_QUALITY),
    colours: numberIn('colours', values.colours, style.colours),
    edgeStrength: numberIn('edgeStrength', values.edgeStrength, style.edgeStrength),
    edgeThickness: numberIn('edgeThickness', values.edgeThickness, style.edgeThickness),
    saturation: numberIn('saturation', values.saturation, style.saturation),
    smoothing: numberIn('smoothing', values.smoothing, style.smoothing),
  };
}
