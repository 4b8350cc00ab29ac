import sharp from 'sharp';
import { joinJpegStrips, stripRows } from './jpeg-strips';
import type { OutputFormat } from './options';
import type { Size } from './size';

export const CONTENT_TYPES: Readonly<Record<OutputFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

/**
 * Applies the output format with the encoder settings every variant (and the benchmark's
 * floor) uses. Metadata is never copied: sharp strips it unless asked to keep it.
 *
 * @example
 * ```ts
 * const jpeg = await withFormat(sharp(photo).resize(800), 'jpeg', 82).toBuffer();
 * ```
 */
export function withFormat(
  pipeline: sharp.Sharp,
  format: OutputFormat,
  quality: number,
): sharp.Sharp {
  switch (format) {
    case 'jpeg':
      return pipeline.jpeg({
        quality,
        mozjpeg: false,
        optimiseCoding: false,
        chromaSubsampling: '4:2:0',
      });
    case 'png':
      return pipeline.png({ compressionLevel: 6, adaptiveFiltering: false });
    case 'webp':
      return pipeline.webp({ quality, effort: 2 });
  }
}

/**
 * Encodes packed RGB pixels, drawn at the output size, in the requested format; an alpha
 * band, when given, is joined on by libvips on the way.
 */
export async function encodeImage(
  rgb: Buffer,
  size: Size,
  alpha: Buffer | undefined,
  options: { readonly format: OutputFormat; readonly quality: number },
): Promise<{ data: Buffer; contentType: string }> {
  let pipeline = sharp(rgb, { raw: { width: size.width, height: size.height, channels: 3 } });
  if (alpha) pipeline = pipeline.joinChannel(alpha, { raw: { ...size, channels: 1 } });
  const data = await withFormat(pipeline, options.format, options.quality).toBuffer();
  return { data, contentType: CONTENT_TYPES[options.format] };
}

/** Rows painted on demand, from the top (a `Painting`). */
export interface PaintedRows {
  /** Packed RGB at the output size; a row is ready once `paintTo` has passed it. */
  readonly pixels: Buffer;
  paintTo(row: number): void;
}

/**
 * Paints every row of `rows` and encodes them. Every row is painted before this returns; the
 * promise settles when the encoding is done. With two libvips threads or more, a JPEG
 * without alpha is encoded in strips (see jpeg-strips.ts), each on libvips' threads while
 * this one paints the next, as the floor's encode runs beside its decode. Interleaved A/B
 * runs of a 4 MP photo to 2048 px on this project's two CPUs: painting and encoding 21.3 ms
 * whole, 17.0 in four strips. Other formats, and one thread, wait for the last row.
 */
export function encodePainted(
  rows: PaintedRows,
  size: Size,
  alpha: Buffer | undefined,
  options: { readonly format: OutputFormat; readonly quality: number },
): Promise<{ data: Buffer; contentType: string }> {
  const strip = stripRows(size, sharp.concurrency());
  if (options.format !== 'jpeg' || alpha || strip >= size.height) {
    rows.paintTo(size.height);
    return encodeImage(rows.pixels, size, alpha, options);
  }
  const rowBytes = size.width * 3;
  const strips: Promise<{ data: Buffer }>[] = [];
  for (let top = 0; top < size.height; top += strip) {
    const bottom = Math.min(size.height, top + strip);
    rows.paintTo(bottom);
    const pixels = rows.pixels.subarray(top * rowBytes, bottom * rowBytes);
    strips.push(
      encodeImage(pixels, { width: size.width, height: bottom - top }, undefined, options),
    );
  }
  // Every strip settles before the caller may hand the pixels on, failed or not.
  return Promise.allSettled(strips).then((settled) => {
    const data = settled.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value.data;
    });
    return { data: joinJpegStrips(data, size, strip), contentType: CONTENT_TYPES.jpeg };
  });
}
