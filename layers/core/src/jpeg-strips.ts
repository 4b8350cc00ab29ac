/**
 * One baseline JPEG from strips encoded apart, joined with restart markers.
 *
 * libjpeg encodes on one thread. The benchmark's floor hides that: libvips streams the
 * decoded rows into the encoder while the next are still being decoded. A cartoon's rows
 * exist only once they are painted, so the painter hands the encoder a strip at a time
 * instead, and each strip is encoded on libvips' threads while the next is painted.
 *
 * The strips join into one image because a baseline scan may be cut by restart markers
 * (ITU-T T.81, "Restart interval" and RSTm): after each, the decoder resets the DC
 * predictions, which is exactly where a separately encoded strip starts. With the same
 * settings every strip has the same quantisation and Huffman tables (`optimiseCoding` is
 * off), and a strip whose height is a whole number of MCU rows (16 px with 4:2:0 chroma)
 * gives the same coefficients as it would inside the whole image: libjpeg subsamples chroma
 * within each MCU row and smooths nothing. So the joined image decodes to the very pixels
 * of a single encode, a few bytes longer for the markers.
 */
import type { Size } from './size';

/** Height of a JPEG MCU row with 4:2:0 chroma subsampling, and the width of an MCU. */
const MCU = 16;
const SOI = 0xd8;
const EOI = 0xd9;
const SOF0 = 0xc0;
const DRI = 0xdd;
const SOS = 0xda;
const RST0 = 0xd0;

interface Parsed {
  /** The marker segments before the scan's data, SOS included, as [marker, start, end). */
  readonly segments: readonly (readonly [number, number, number])[];
  /** Where the entropy-coded data starts. */
  readonly data: number;
}

/** The segments of a baseline JPEG from libjpeg, up to the start of its scan's data. */
function parse(jpeg: Buffer): Parsed {
  if (jpeg[0] !== 0xff || jpeg[1] !== SOI) throw new Error('jpeg-strips: a strip has no SOI');
  const segments: [number, number, number][] = [];
  let at = 2;
  while (at + 4 <= jpeg.length) {
    if (jpeg[at] !== 0xff) throw new Error(`jpeg-strips: no marker at byte ${at}`);
    const marker = jpeg[at + 1] as number;
    const end = at + 2 + jpeg.readUInt16BE(at + 2);
    segments.push([marker, at, end]);
    if (marker === SOS) return { segments, data: end };
    at = end;
  }
  throw new Error('jpeg-strips: a strip has no scan');
}

/**
 * Rows in each strip of an image `size` tall, encoded with `threads` libvips threads: whole
 * MCU rows, about a quarter of the image, so the first encode starts early, and no fewer than
 * 128 (each strip's encode has a fixed cost). The whole image when it is small, or with one
 * thread: there is no second CPU to encode on while this one paints, and the strips' fixed
 * costs made a 4 MP cartoon about 4 ms slower on one CPU here.
 */
export function stripRows(size: Size, threads: number): number {
  if (threads < 2) return size.height;
  const quarter = Math.ceil(size.height / 4 / MCU) * MCU;
  return Math.max(8 * MCU, quarter);
}

/**
 * Joins baseline JPEG strips of one image, each `rows` tall but the last, into one JPEG of
 * `size`: the first strip's tables, its frame header given the whole height, a restart
 * interval of one strip, then each strip's entropy-coded data with a restart marker between.
 *
 * @throws Error when a strip is not baseline, or its header differs from the first's
 * @example
 * ```ts
 * const jpeg = joinJpegStrips([top, bottom], { width: 2048, height: 1365 }, 768);
 * ```
 */
export function joinJpegStrips(strips: readonly Buffer[], size: Size, rows: number): Buffer {
  const first = strips[0];
  if (!first) throw new Error('jpeg-strips: no strips');
  if (strips.length === 1) return first;
  if (rows % MCU !== 0) throw new Error(`jpeg-strips: ${rows} rows is not whole MCU rows`);
  const interval = Math.ceil(size.width / MCU) * (rows / MCU);
  if (interval > 0xffff)
    throw new Error('jpeg-strips: a strip is too large for a restart interval');

  const parsed = strips.map(parse);
  const head = parsed[0] as Parsed;
  // Every segment before the data, the frame header's height left out: the same in each strip.
  const header = (jpeg: Buffer, { segments, data }: Parsed) => {
    const bytes = Buffer.from(jpeg.subarray(0, data));
    for (const [marker, start] of segments) if (marker === SOF0) bytes.writeUInt16BE(0, start + 5);
    return bytes;
  };
  const firstHeader = header(first, head);
  const out: Buffer[] = [Buffer.from([0xff, SOI])];
  for (const [marker, start, end] of head.segments) {
    let segment = first.subarray(start, end);
    if (marker === SOF0) {
      segment = Buffer.from(segment);
      segment.writeUInt16BE(size.height, 5); // the frame header's number of lines
    } else if (marker >= 0xc1 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xcc) {
      throw new Error('jpeg-strips: a strip is not baseline');
    }
    if (marker === SOS) {
      const restart = Buffer.from([0xff, DRI, 0, 4, 0, 0]);
      restart.writeUInt16BE(interval, 4);
      out.push(restart);
    }
    out.push(segment);
  }
  strips.forEach((jpeg, i) => {
    const strip = parsed[i] as Parsed;
    if (i > 0 && !header(jpeg, strip).equals(firstHeader)) {
      throw new Error('jpeg-strips: the strips were encoded with different settings');
    }
    if (jpeg[jpeg.length - 2] !== 0xff || jpeg[jpeg.length - 1] !== EOI) {
      throw new Error('jpeg-strips: a strip does not end with EOI');
    }
    out.push(jpeg.subarray(strip.data, jpeg.length - 2));
    if (i < strips.length - 1) out.push(Buffer.from([0xff, RST0 + (i % 8)]));
  });
  out.push(Buffer.from([0xff, EOI]));
  return Buffer.concat(out);
}
