/** Width and height in pixels. */
export interface Size {
  readonly width: number;
  readonly height: number;
}

/**
 * The largest size with the same aspect ratio that fits inside `side`×`side`, never larger.
 *
 * @example
 * ```ts
 * fitInside(4000, 3000, 1024); // { width: 1024, height: 768 }
 * fitInside(640, 427, 4096); // { width: 640, height: 427 }: never upscaled
 * ```
 */
export function fitInside(width: number, height: number, side: number): Size {
  const scale = Math.min(1, side / Math.max(width, height));
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/**
 * No longer used by `cartoonize`, which paints every output at its own size (issue 7); kept
 * because the package exports it. The size to paint at for an `output` larger than `maxSide`: the output divided by the
 * smallest whole `factor` that brings it within `maxSide` (rounded up, so `factor` times it
 * covers the output). A whole factor lets libvips scale up by pixel replication, which costs
 * a fraction of interpolation.
 *
 * @example
 * ```ts
 * renderSize({ width: 2048, height: 1365 }, 1024); // { size: { width: 1024, height: 683 }, factor: 2 }
 * ```
 */
export function renderSize(output: Size, maxSide: number): { size: Size; factor: number } {
  const factor = Math.max(1, Math.ceil(Math.max(output.width, output.height) / maxSide));
  return {
    size: { width: Math.ceil(output.width / factor), height: Math.ceil(output.height / factor) },
    factor,
  };
}
