import sharp from 'sharp';
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
