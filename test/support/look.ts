/**
 * The inputs and measures of issue 7's look, shared by `test/unit/look.test.ts` (which sets
 * the bars) and `npm run look` (which prints the figures the README quotes).
 */
import { cartoonize } from '@cartoon-compute/core';
import sharp from 'sharp';
import { cameraJpeg, type PhotoName, photo } from './fixtures';
import { colourFidelity, type FamilyFidelity, flatShare, replicationShare } from './perceptual';

/** Size of the noisy gradient `noisyGradient` draws. */
export const GRADIENT = { width: 1200, height: 400 } as const;

/** A soft green sky-to-meadow gradient with sensor-like noise, as a PNG. */
export async function noisyGradient(): Promise<Buffer> {
  const { width, height } = GRADIENT;
  const pixels = Buffer.alloc(width * height * 3);
  let state = 7;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = x / (width - 1);
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      const noise = (state >>> 29) - 4;
      const i = (y * width + x) * 3;
      pixels[i] = 60 + 90 * t + noise;
      pixels[i + 1] = 110 + 100 * t + noise;
      pixels[i + 2] = 50 + 70 * t + noise;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/**
 * The steps a cartoon of the gradient shows: the colours seen along the middle row, in
 * order, one entry per run; and the share of pixels that differ from the one above (0 for
 * clean vertical bands).
 */
export async function gradientSteps(
  cartoon: Buffer,
): Promise<{ runs: Array<[number, number, number]>; uneven: number }> {
  const { data: out, info } = await sharp(cartoon).raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const runs: Array<[number, number, number]> = [];
  const row = Math.floor(height / 2) * width * 3;
  for (let x = 0; x < width; x++) {
    const i = row + x * 3;
    const colour: [number, number, number] = [
      out[i] as number,
      out[i + 1] as number,
      out[i + 2] as number,
    ];
    const last = runs[runs.length - 1];
    if (!last || last.some((v, c) => v !== colour[c])) runs.push(colour);
  }
  let uneven = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 1; y < height; y++) {
      const a = (y * width + x) * 3;
      const b = ((y - 1) * width + x) * 3;
      if (out[a] !== out[b] || out[a + 1] !== out[b + 1] || out[a + 2] !== out[b + 2]) uneven++;
    }
  }
  return { runs, uneven: uneven / (width * height) };
}

/** A soft green background with a red disc `share` of the width across at (cx, cy). */
export async function smallSubject(width: number, height: number, share: number): Promise<Buffer> {
  const r = (width * share) / 2;
  const svg = `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
    <defs><linearGradient id="g"><stop offset="0" stop-color="#5d8a3a"/><stop offset="1" stop-color="#9cc27a"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${width * 0.6}" cy="${height * 0.45}" r="${r}" fill="#a8180f"/>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
}

/**
 * Share of the disc's perimeter that is outlined: of 90 directions from its centre, those
 * with a dark ink pixel within 30% of the radius of its edge.
 */
export async function outlinedPerimeter(image: Buffer, share: number): Promise<number> {
  const { data, info } = await sharp(image).greyscale().raw().toBuffer({ resolveWithObject: true });
  const cx = info.width * 0.6;
  const cy = info.height * 0.45;
  const r = (info.width * share) / 2;
  const band = Math.max(2, r * 0.3);
  const directions = 90;
  let outlined = 0;
  for (let k = 0; k < directions; k++) {
    const angle = (k / directions) * 2 * Math.PI;
    for (let d = r - band; d <= r + band; d += 0.5) {
      const x = Math.round(cx + d * Math.cos(angle));
      const y = Math.round(cy + d * Math.sin(angle));
      if ((data[y * info.width + x] as number) < 60) {
        outlined++;
        break;
      }
    }
  }
  return outlined / directions;
}

/**
 * How each colour family of a photo survives a style: the photo cartooned at 512 px with the
 * ink off (the outlines are a layer of their own, so the metric reads the fills).
 */
export async function fidelityOf(name: PhotoName, style: string): Promise<FamilyFidelity[]> {
  const { data } = await cartoonize(photo(name), {
    style,
    edgeStrength: 0,
    maxSide: 512,
    format: 'png',
  });
  return colourFidelity(photo(name), data);
}

/** Flat-neighbourhood shares of the painting (autumn.jpg at 1024 px) and of its cartoon. */
export async function paintingFlatness(): Promise<{ cartoon: number; painting: number }> {
  const { data, width, height } = await cartoonize(photo('autumn.jpg'), {
    maxSide: 1024,
    format: 'png',
  });
  const source = await sharp(photo('autumn.jpg')).resize(width, height).png().toBuffer();
  return { cartoon: await flatShare(data), painting: await flatShare(source) };
}

/** The noisy gradient in classic style, at its own size. */
export async function gradientCartoon(): Promise<Buffer> {
  const { data } = await cartoonize(await noisyGradient(), {
    style: 'classic',
    maxSide: GRADIENT.width,
    format: 'png',
  });
  return data;
}

/** Share of the outline kept around a red disc 1% of a 4096 px frame wide, at `maxSide`. */
export async function smallSubjectOutline(maxSide: number): Promise<number> {
  const input = await smallSubject(4096, 2731, 0.01);
  const { data } = await cartoonize(input, { style: 'classic', maxSide, format: 'png' });
  return outlinedPerimeter(data, 0.01);
}

/**
 * Where colour changes fall in the middle 1024×1024 of a camera photo cartooned at `maxSide`
 * (see `replicationShare`: 0.5 when drawn at its own size, near 1 when pixels are doubled).
 */
export async function replicationAt(maxSide: 2048 | 4096): Promise<number> {
  const camera = await cameraJpeg('ladybird.jpg', maxSide === 4096 ? 12 : 4);
  const { data } = await cartoonize(camera, { maxSide, format: 'png' });
  const middle = await sharp(data)
    .extract({ left: 512, top: 256, width: 1024, height: 1024 })
    .png()
    .toBuffer();
  return replicationShare(middle);
}
