import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ACCEPTED_CONTENT_TYPES, cartoonize, openImage, probeImage } from '@cartoon-compute/core';
import sharp from 'sharp';
import { heifKind, readHeifHeader } from '../../layers/core/src/heic';
import { type HeicFixture, heicFixture } from '../support/bad-inputs';
import { photo } from '../support/fixtures';
import { perceptualDistance } from '../support/perceptual';

const MAX_PIXELS = 40_000_000;

/** What the pipeline gets from a HEIC, as PNG, for comparing with the source photo. */
async function decodedPng(bytes: Buffer): Promise<{ png: Buffer; channels: number }> {
  const probe = await probeImage(bytes, MAX_PIXELS);
  const pipeline = await openImage(bytes, probe, MAX_PIXELS);
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  const png = await sharp(data, { raw: info }).png().toBuffer();
  return { png, channels: info.channels };
}

describe('HEIC header (read by hand, nothing decoded)', () => {
  test('the brands tell HEIC from AVIF and from everything else', async () => {
    expect(heifKind(heicFixture('coffee-exif6.heic'))).toBe('hevc');
    const avif = await sharp(photo('chelsea.png')).avif().toBuffer();
    expect(heifKind(avif)).toBe('avif');
    expect(heifKind(photo('rocket.jpg'))).toBeUndefined();
  });

  test.each<[HeicFixture, object]>([
    [
      'coffee-exif6.heic',
      { itemType: 'hvc1', hevc: true, width: 600, height: 400, rotation: 0, hasAlpha: false },
    ],
    // A 1x1 grid: heif-enc crops an odd height that way, and iPhones tile every photo.
    [
      'rocket-irot90.heic',
      { itemType: 'grid', hevc: true, width: 427, height: 640, rotation: 1, hasAlpha: false },
    ],
    [
      'astronaut-alpha.heic',
      { itemType: 'hvc1', hevc: true, width: 512, height: 512, rotation: 0, hasAlpha: true },
    ],
    [
      'two-images-second-primary.heic',
      { itemType: 'hvc1', hevc: true, width: 600, height: 400, rotation: 0, hasAlpha: false },
    ],
  ])('%s', (name, expected) => {
    expect(readHeifHeader(heicFixture(name))).toMatchObject(expected);
  });

  test('probeImage reports the displayed size of a rotated HEIC', async () => {
    const probe = await probeImage(heicFixture('rocket-irot90.heic'), MAX_PIXELS);
    expect(probe).toEqual({ format: 'heic', width: 427, height: 640, hasAlpha: false });
  });

  test('image/heic and image/heif are accepted content types', () => {
    expect(ACCEPTED_CONTENT_TYPES).toEqual(expect.arrayContaining(['image/heic', 'image/heif']));
  });
});

describe('HEIC decoding (libheif in WebAssembly, on the fixture photos)', () => {
  test('a photo decodes to the source, and its EXIF orientation 6 is not applied', async () => {
    const { png } = await decodedPng(heicFixture('coffee-exif6.heic'));
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([600, 400]);
    expect(await perceptualDistance(png, photo('coffee.png'))).toBeLessThan(4);
    // The same photo turned as EXIF says would be far off.
    const turned = await sharp(photo('coffee.png')).rotate(90).toBuffer();
    expect(await perceptualDistance(png, turned)).toBeGreaterThan(20);
  });

  test('irot is applied once: a quarter turn anticlockwise', async () => {
    const { png } = await decodedPng(heicFixture('rocket-irot90.heic'));
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([427, 640]);
    const anticlockwise = await sharp(photo('rocket.jpg')).rotate(270).toBuffer();
    const clockwise = await sharp(photo('rocket.jpg')).rotate(90).toBuffer();
    expect(await perceptualDistance(png, anticlockwise)).toBeLessThan(4);
    expect(await perceptualDistance(png, clockwise)).toBeGreaterThan(10);
  });

  test('alpha comes through: transparent corners, opaque middle', async () => {
    const { png, channels } = await decodedPng(heicFixture('astronaut-alpha.heic'));
    expect(channels).toBe(4);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const alphaAt = (x: number, y: number) => data[(y * info.width + x) * 4 + 3];
    expect(alphaAt(5, 5)).toBeLessThan(16);
    expect(alphaAt(256, 256)).toBeGreaterThan(240);
  });

  test('a photo without alpha reaches the pipeline as 3 channels', async () => {
    const { channels } = await decodedPng(heicFixture('coffee-exif6.heic'));
    expect(channels).toBe(3);
  });

  test('a 10-bit HEIC decodes to 8-bit sRGB close to its source', async () => {
    const bytes = heicFixture('chelsea-10bit.heic');
    // hvcC: bitDepthLumaMinus8 is the low 3 bits of byte 17 of its payload.
    const hvcC = bytes.indexOf('hvcC', 0, 'latin1');
    expect(((bytes[hvcC + 4 + 17] as number) & 0x07) + 8).toBe(10);
    const { png } = await decodedPng(bytes);
    const meta = await sharp(png).metadata();
    expect([meta.depth, meta.width, meta.height]).toEqual(['uchar', 451, 300]);
    expect(await perceptualDistance(png, photo('chelsea.png'))).toBeLessThan(4);
  });

  test('the primary image is decoded, not the first one listed', async () => {
    const { png } = await decodedPng(heicFixture('two-images-second-primary.heic'));
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([600, 400]);
    expect(await perceptualDistance(png, photo('coffee.png'))).toBeLessThan(4);
  });

  test('no metadata is carried out of a HEIC (its EXIF stays behind)', async () => {
    const heic = heicFixture('coffee-exif6.heic');
    // The fixture does carry EXIF (orientation 6), so there is something to leave behind.
    expect(heic.includes(Buffer.from('Exif\0\0', 'latin1'))).toBe(true);

    const { data } = await cartoonize(heic, { format: 'jpeg' });

    const meta = await sharp(data).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
  });
});

describe('cold starts do not pay for the HEIC decoder', () => {
  // A child process, so that what this test file has loaded does not count.
  const script = `
    require('tsx/cjs');
    const fs = require('node:fs');
    const core = require(${JSON.stringify(path.join(__dirname, '..', '..', 'layers', 'core', 'src', 'index.ts'))});
    const loaded = () => Object.keys(require.cache).some((file) => file.includes('libheif-js'));
    const atInit = loaded();
    (async () => {
      const bytes = fs.readFileSync(process.argv[1]);
      await core.cartoonize(fs.readFileSync(process.argv[2]), { maxSide: 64 });
      const afterJpeg = loaded();
      const probe = await core.probeImage(bytes, 1e8);
      const afterProbe = loaded();
      await core.openImage(bytes, probe, 1e8);
      console.log(JSON.stringify({ atInit, afterJpeg, afterProbe, afterHeic: loaded() }));
    })().catch((err) => { console.error(err); process.exit(1); });
  `;

  test('loading the core does not load libheif; the first HEIC does', () => {
    const child = spawnSync(
      process.execPath,
      [
        '-e',
        script,
        path.join(__dirname, '..', 'fixtures', 'heic', 'coffee-exif6.heic'),
        path.join(__dirname, '..', 'fixtures', 'photos', 'rocket.jpg'),
      ],
      { encoding: 'utf8', cwd: path.join(__dirname, '..', '..') },
    );
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({
      atInit: false,
      afterJpeg: false,
      afterProbe: false,
      afterHeic: true,
    });
  });
});
