/**
 * What issue 7 asks of the look, as measurements: every colour family keeps its hue, it is
 * still a cartoon (flat areas, clean steps, no bands of near-equal tones), small subjects
 * keep their outlines, and large outputs are drawn at their own resolution.
 */
import { cartoonize } from '@cartoon-compute/core';
import sharp from 'sharp';
import { srgbToOklab } from '../../layers/core/src/oklab';
import { PHOTO_NAMES, photo } from '../support/fixtures';
import {
  fidelityOf,
  gradientCartoon,
  gradientSteps,
  paintingFlatness,
  replicationAt,
  smallSubjectOutline,
} from '../support/look';
import { colourFidelity, oklabDistance, replicationShare } from '../support/perceptual';

jest.setTimeout(60_000);

const COLOUR_STYLES = ['classic', 'comic'] as const;
/**
 * Share of a family's colourful pixels that must keep hue (±40°) and half their chroma.
 * Before issue 7 the worst families kept 3% (classic) and 0% (comic) on the astronaut; the
 * chosen palette keeps 72% and 64% there, the hardest photo (five hue families, black and
 * white); the bars leave room for libvips' small differences between CPUs.
 */
const MIN_KEPT = { classic: 0.65, comic: 0.6 } as const;

describe('colour fidelity (OKLab): every colour family keeps its hue', () => {
  test.each(PHOTO_NAMES.flatMap((name) => COLOUR_STYLES.map((style) => [name, style] as const)))(
    '%s in %s style',
    async (name, style) => {
      const families = await fidelityOf(name, style);

      expect(families.length).toBeGreaterThan(0);
      // Listed on failure with their hue, share and how much survived.
      expect(families.filter((family) => family.kept < MIN_KEPT[style])).toEqual([]);
    },
  );

  test('the metric sees a lost hue: a grey copy keeps none of the ladybird photo', async () => {
    const grey = await sharp(photo('ladybird.jpg')).greyscale().png().toBuffer();

    const families = await colourFidelity(photo('ladybird.jpg'), grey);

    expect(families.length).toBeGreaterThan(0);
    for (const family of families) expect(family.kept).toBeLessThan(0.05);
  });

  test('the red ladybird stays red although it is a tiny share of the picture', async () => {
    // Where the photo is strongly red (the ladybird's shell), the cartoon must be red too.
    const { data } = await cartoonize(photo('ladybird.jpg'), {
      style: 'classic',
      edgeStrength: 0,
      maxSide: 800,
      format: 'png',
    });
    const size = { width: 800, height: 500 };
    const [src, out] = await Promise.all(
      [photo('ladybird.jpg'), data].map((image) =>
        sharp(image).resize(size.width, size.height, { fit: 'fill' }).raw().toBuffer(),
      ),
    );
    const lab = { L: 0, a: 0, b: 0 };
    let red = 0;
    let keptRed = 0;
    for (let i = 0; i < (src as Buffer).length; i += 3) {
      const s = src as Buffer;
      srgbToOklab(s[i] as number, s[i + 1] as number, s[i + 2] as number, lab);
      // OKLab hue of red-orange is about 20–50°, chroma well above a soft background's.
      const hue = (Math.atan2(lab.b, lab.a) * 180) / Math.PI;
      if (Math.hypot(lab.a, lab.b) < 0.15 || hue < 10 || hue > 60) continue;
      red++;
      const o = out as Buffer;
      srgbToOklab(o[i] as number, o[i + 1] as number, o[i + 2] as number, lab);
      const outHue = (Math.atan2(lab.b, lab.a) * 180) / Math.PI;
      if (Math.hypot(lab.a, lab.b) > 0.08 && outHue > -10 && outHue < 80) keptRed++;
    }

    expect(red / (size.width * size.height)).toBeLessThan(0.005);
    expect(red).toBeGreaterThan(100);
    expect(keptRed / red).toBeGreaterThan(0.7);
  });
});

describe('still a cartoon', () => {
  test('a detailed painting becomes flat areas: far more flat neighbourhoods than the source', async () => {
    const { cartoon, painting } = await paintingFlatness();

    expect(cartoon).toBeGreaterThan(0.6);
    expect(cartoon).toBeGreaterThan(painting * 4);
  });

  test('a smooth gradient becomes a few clean steps, not speckle and not near-equal bands', async () => {
    const data = await gradientCartoon();

    const { runs, uneven } = await gradientSteps(data);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(6);
    // No speckle: every step appears once, in one run.
    expect(new Set(runs.map((c) => c.join())).size).toBe(runs.length);
    // No near-equal bands: neighbouring steps are clearly different tones.
    for (let r = 1; r < runs.length; r++) {
      expect(oklabDistance(runs[r - 1] as number[], runs[r] as number[])).toBeGreaterThan(0.04);
    }
    // And the steps are clean vertical bands: each column is one colour top to bottom.
    expect(uneven).toBeLessThan(0.01);
  });
});

describe('outlines at a resolution tied to the output', () => {
  // Found at 512 px whatever the output size, as before issue 7, the outline of this disc
  // covered 96%, 73% and 57% of its perimeter at maxSide 1024, 2048 and 4096.
  test.each([512, 1024, 2048, 4096])(
    'a subject 1%% of the frame wide keeps its outline at maxSide %i',
    async (maxSide) => {
      expect(await smallSubjectOutline(maxSide)).toBeGreaterThanOrEqual(0.9);
    },
  );
});

describe('every output size drawn at its own resolution', () => {
  test.each([2048, 4096] as const)('no doubled pixels at maxSide %i', async (maxSide) => {
    // Colour changes between columns 2k|2k+1 and 2k+1|2k+2 are equally likely in a picture
    // drawn at its own size; replicated pixels only ever change at one of the two.
    const share = await replicationAt(maxSide);

    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(0.6);
  });

  test('the step measure sees doubled pixels', async () => {
    const small = await sharp(photo('ladybird.jpg')).resize(800).raw().toBuffer({
      resolveWithObject: true,
    });
    const doubled = await sharp(small.data, { raw: small.info })
      .resize(1600, undefined, { kernel: 'nearest' })
      .png()
      .toBuffer();

    expect(await replicationShare(doubled)).toBeGreaterThan(0.95);
  });
});
