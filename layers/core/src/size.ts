/** Width and height in pixels. */
export interface Size {
  readonly width: number;
  readonly height: number;
}

/** An image the painter samples: packed pixels at a size of their own. */
export interface Field {
  readonly pixels: Buffer;
  readonly size: Size;
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
