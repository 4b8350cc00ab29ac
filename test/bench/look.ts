/**
 * `npm run look`: the figures of issue 7's look that the README quotes, measured on the
 * current core with the same inputs and measures as `test/unit/look.test.ts` (which holds
 * the bars). Takes about a minute.
 *
 *   - colour fidelity: per photo and colour style, the worst colour family's kept share;
 *   - flat share of the painting's cartoon against the painting's own;
 *   - the steps a noisy gradient becomes;
 *   - how much of a small subject's outline is kept at each output size;
 *   - where colour changes fall at 2048 and 4096 px (0.5: drawn at its own size; 1: doubled).
 */
import { cartoonize, configureSharp } from '@cartoon-compute/core';
import sharp from 'sharp';
import { cameraJpeg, PHOTO_NAMES, photo } from '../support/fixtures';
import {
  GRADIENT,
  gradientSteps,
  noisyGradient,
  outlinedPerimeter,
  smallSubject,
} from '../support/look';
import { colourFidelity, flatShare, oklabDistance, replicationShare } from '../support/perceptual';

const percent = (share: number) => `${Math.round(share * 100)}%`;

async function worstFamily(name: (typeof PHOTO_NAMES)[number], style: string): Promise<string> {
  const { data } = await cartoonize(photo(name), {
    style,
    edgeStrength: 0,
    maxSide: 512,
    format: 'png',
  });
  const families = await colourFidelity(photo(name), data);
  const worst = families.reduce((a, b) => (b.kept < a.kept ? b : a));
  return `${percent(worst.kept)} (hue ${worst.hue}°)`;
}

async function main() {
  configureSharp();
  console.log('Colour fidelity, maxSide 512, ink off: the worst family of each photo');
  console.log('| photo | classic | comic |\n|---|---|---|');
  for (const name of PHOTO_NAMES) {
    console.log(
      `| ${name} | ${await worstFamily(name, 'classic')} | ${await worstFamily(name, 'comic')} |`,
    );
  }

  const painting = await cartoonize(photo('autumn.jpg'), { maxSide: 1024, format: 'png' });
  const source = await sharp(photo('autumn.jpg'))
    .resize(painting.width, painting.height)
    .png()
    .toBuffer();
  console.log(
    `\nFlat 3x3 neighbourhoods, autumn.jpg at 1024 px: cartoon ${percent(await flatShare(painting.data))}, painting ${percent(await flatShare(source))}`,
  );

  const gradient = await cartoonize(await noisyGradient(), {
    style: 'classic',
    maxSide: GRADIENT.width,
    format: 'png',
  });
  const { runs, uneven } = await gradientSteps(gradient.data);
  const gaps = runs.slice(1).map((run, r) => oklabDistance(runs[r] as number[], run));
  console.log(
    `Noisy gradient: ${runs.length} steps along the middle row, ${new Set(runs.map((c) => c.join())).size} distinct; closest neighbouring steps ${Math.min(...gaps).toFixed(3)} apart in OKLab; ${percent(uneven)} of pixels differ from the one above`,
  );

  const subject = await smallSubject(4096, 2731, 0.01);
  const outlines: string[] = [];
  for (const maxSide of [512, 1024, 2048, 4096]) {
    const { data } = await cartoonize(subject, { style: 'classic', maxSide, format: 'png' });
    outlines.push(`${maxSide} px ${percent(await outlinedPerimeter(data, 0.01))}`);
  }
  console.log(`Outline kept, red disc 1% of the frame wide: ${outlines.join(', ')}`);

  const steps: string[] = [];
  for (const maxSide of [2048, 4096]) {
    const camera = await cameraJpeg('ladybird.jpg', maxSide === 4096 ? 12 : 4);
    const { data } = await cartoonize(camera, { maxSide, format: 'png' });
    const middle = await sharp(data)
      .extract({ left: 512, top: 256, width: 1024, height: 1024 })
      .png()
      .toBuffer();
    steps.push(`${maxSide} px ${(await replicationShare(middle)).toFixed(2)}`);
  }
  console.log(
    `Colour changes at even pixel boundaries (0.5 drawn at size, 1.0 doubled): ${steps.join(', ')}`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
