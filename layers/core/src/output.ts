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
 * Encodes raw pixels, scaling them from the render size up to the output size on the way:
 * each pixel is replicated `factor` times each way, then the extra row or column that
 * rounding up the render size added is cut off.
 */
export async function encodeImage(
  pixels: Buffer,
  render: Size,
  channels: 3 | 4,
  { output, factor }: { readonly output: Size; readonly factor: number },
  options: { readonly format: OutputFormat; readonly quality: number },
): Promise<{ data: Buffer; contentType: string }> {
  let pipeline = sharp(pixels, { raw: { width: render.width, height: render.height, channels } });
  if (factor > 1) {
    pipeline = pipeline
      .resize(render.width * factor, render.height * factor, { kernel: 'nearest' })
      .extract({ left: 0, top: 0, width: output.width, height: output.height });
  }
  const data = await withFormat(pipeline, options.format, options.quality).toBuffer();
  return { data, contentType: CONTENT_TYPES[options.format] };
}
