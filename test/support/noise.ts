/**
 * Deterministic noise for tests: bytes from a seeded linear congruential generator (its top
 * byte), with no structure for a kernel's shortcuts (flat runs, repeated rows) to lean on.
 *
 * @example
 * ```ts
 * const pixels = noise(64 * 40, 7); // the same 2,560 bytes on every run
 * const ink = noise(100, 8, 20, 140); // bytes between 20 and 140
 * ```
 */
export function noise(length: number, seed: number, low = 0, high = 255): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = low + ((state >>> 24) % (high - low + 1));
  }
  return bytes;
}
