/**
 * `npm run look`: the figures of issue 7's look that the README quotes, measured on the
 * current core by the same routines `test/unit/look.test.ts` holds to its bars
 * (`test/support/look.ts`). Takes a few seconds.
 *
 *   - colour fidelity: per photo and colour style, the worst colour family's kept share;
 *   - flat share of the painting's cartoon against the painting's own;
 *   - the steps a noisy gradient becomes;
 *   - how much of a small subject's outline is kept at each output size;
 *   - where colour changes fall at 2048 and 4096 px (0.5: drawn at its own size; 1: doubled).
 */
import { configureSharp } from '@cartoon-compute/core';
import { PHOTO_NAMES, type PhotoName } from '../support/fixtures';
import {
  fidelityOf,
  gradientCartoon,
  gradientSteps,
  paintingFlatness,
  replicationAt,
  smallSubjectOutline,
} from '../support/look';
import { oklabDistance } from '../support/perceptual';

const percent = (share: number) => `${Math.round(share * 100)}%`;

async function worstFamily(name: PhotoName, style: string): Promise<string> {
  const families = await fidelityOf(name, style);
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

  const { cartoon, painting } = await paintingFlatness();
  console.log(
    `\nFlat 3x3 neighbourhoods, autumn.jpg at 1024 px: cartoon ${percent(cartoon)}, painting ${percent(painting)}`,
  );

  const { runs, uneven } = await gradientSteps(await gradientCartoon());
  const gaps = runs.slice(1).map((run, r) => oklabDistance(runs[r] as number[], run));
  console.log(
    `Noisy gradient: ${runs.length} steps along the middle row, ${new Set(runs.map((c) => c.join())).size} distinct; closest neighbouring steps ${Math.min(...gaps).toFixed(3)} apart in OKLab; ${percent(uneven)} of pixels differ from the one above`,
  );

  const outlines: string[] = [];
  for (const maxSide of [512, 1024, 2048, 4096]) {
    outlines.push(`${maxSide} px ${percent(await smallSubjectOutline(maxSide))}`);
  }
  console.log(`Outline kept, red disc 1% of the frame wide: ${outlines.join(', ')}`);

  const steps: string[] = [];
  for (const maxSide of [2048, 4096] as const) {
    steps.push(`${maxSide} px ${(await replicationAt(maxSide)).toFixed(2)}`);
  }
  console.log(
    `Colour changes at even pixel boundaries (0.5 drawn at size, 1.0 doubled): ${steps.join(', ')}`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
