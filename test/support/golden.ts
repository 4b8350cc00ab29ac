import path from 'node:path';
import { type CartoonOptions, STYLE_NAMES } from '@cartoon-compute/core';
import { FIXTURES_DIR, PHOTO_NAMES, type PhotoName } from './fixtures';

/** Golden images: every fixture in every style, small and lossless so that they stay cheap. */
export const GOLDEN_OPTIONS: CartoonOptions = { maxSide: 256, format: 'png' };
/** Largest perceptual distance (0–255) from the golden image that still counts as the same. */
export const GOLDEN_TOLERANCE = 4;

export const GOLDEN_CASES = PHOTO_NAMES.flatMap((photo) =>
  STYLE_NAMES.map((style) => ({ photo, style })),
);

export function goldenPath(photo: PhotoName, style: string): string {
  return path.join(FIXTURES_DIR, 'golden', `${path.parse(photo).name}-${style}.png`);
}
