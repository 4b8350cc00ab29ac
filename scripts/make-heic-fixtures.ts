/**
 * Makes the HEIC test photos in test/fixtures/heic from the fixture photos, with Debian's
 * heif-enc (libheif 1.15 with its built-in x265 HEVC encoder):
 *
 *   apt-get update && apt-get install -y libheif-examples
 *   npx tsx --tsconfig tsconfig.json scripts/make-heic-fixtures.ts
 *
 * The outputs are committed, so the tests need neither apt nor this script. Broken files
 * (cut short, a bomb) are not made here: test/support/bad-inputs.ts derives them from these at
 * run time. heif-enc 1.15 cannot write `irot` (it copies a JPEG's EXIF orientation into the
 * EXIF block and nothing else), so the rotated photo gets its `irot` property spliced in here.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

const ROOT = path.resolve(__dirname, '..');
const PHOTOS = path.join(ROOT, 'test', 'fixtures', 'photos');
const OUT = path.join(ROOT, 'test', 'fixtures', 'heic');
const QUALITY = '60';

interface Box {
  readonly type: string;
  readonly offset: number;
  readonly size: number;
}

function boxes(bytes: Buffer, start: number, end: number): Box[] {
  const found: Box[] = [];
  for (let offset = start; offset + 8 <= end; ) {
    const size = bytes.readUInt32BE(offset);
    found.push({ type: bytes.toString('latin1', offset + 4, offset + 8), offset, size });
    offset += size;
  }
  return found;
}

function child(bytes: Buffer, parent: Box, type: string, headerExtra = 0): Box {
  const box = boxes(bytes, parent.offset + 8 + headerExtra, parent.offset + parent.size).find(
    (b) => b.type === type,
  );
  if (!box) throw new Error(`no ${type} in ${parent.type}`);
  return box;
}

/** The primary item's id, from `pitm`. */
function primaryItem(bytes: Buffer, meta: Box): number {
  const pitm = child(bytes, meta, 'pitm', 4);
  return bytes[pitm.offset + 8] === 0
    ? bytes.readUInt16BE(pitm.offset + 12)
    : bytes.readUInt32BE(pitm.offset + 12);
}

/**
 * Adds an `irot` property (quarter turns anticlockwise) to the primary image: appends the box
 * to `ipco`, one association to the primary's `ipma` entry, grows every enclosing box, and
 * moves the file offsets in `iloc` past the 10 bytes inserted before `mdat`.
 */
function withIrot(heic: Buffer, quarterTurns: number): Buffer {
  const meta = boxes(heic, 0, heic.length).find((b) => b.type === 'meta');
  if (!meta) throw new Error('no meta');
  const iprp = child(heic, meta, 'iprp', 4);
  const ipco = child(heic, iprp, 'ipco');
  const ipma = child(heic, iprp, 'ipma');
  const iloc = child(heic, meta, 'iloc', 4);
  const primary = primaryItem(heic, meta);
  const propertyCount = boxes(heic, ipco.offset + 8, ipco.offset + ipco.size).length;
  if (heic[ipma.offset + 8] !== 0 || (heic[ipma.offset + 11] as number) & 1) {
    throw new Error('expected ipma version 0 with 7-bit indexes, as heif-enc 1.15 writes');
  }
  // Walk the ipma entries (16-bit id, count, one byte per association) to the primary's.
  let entry = ipma.offset + 16;
  while (heic.readUInt16BE(entry) !== primary) entry += 3 + (heic[entry + 2] as number);
  const count = heic[entry + 2] as number;
  const associationEnd = entry + 3 + count;
  const irot = Buffer.from([0, 0, 0, 9, 0x69, 0x72, 0x6f, 0x74, quarterTurns & 3]);
  const out = Buffer.concat([
    heic.subarray(0, ipco.offset + ipco.size),
    irot,
    heic.subarray(ipco.offset + ipco.size, associationEnd),
    Buffer.from([0x80 | (propertyCount + 1)]),
    heic.subarray(associationEnd),
  ]);
  const grow = (box: Box, by: number, shift = 0) =>
    out.writeUInt32BE(box.size + by, box.offset + shift);
  grow(meta, 10);
  grow(iprp, 10);
  grow(ipco, 9);
  grow(ipma, 1, 9);
  out[entry + 9 + 2] = count + 1;
  // heif-enc writes iloc before iprp, so the iloc box itself has not moved.
  if (iloc.offset > ipco.offset) throw new Error('expected iloc before iprp');
  shiftIlocOffsets(out, iloc, 10);
  return out;
}

/** Adds `delta` to the base offset of every item stored in the file (not in `idat`). */
function shiftIlocOffsets(bytes: Buffer, iloc: Box, delta: number): void {
  const start = iloc.offset + 8;
  const version = bytes[start] as number;
  if (version > 1 || bytes.readUInt16BE(start + 4) >> 4 !== 0x444) {
    throw new Error('expected iloc v0/v1 with 4-byte offsets, lengths and base offsets');
  }
  let offset = start + 6;
  const count = bytes.readUInt16BE(offset);
  offset += 2;
  for (let item = 0; item < count; item++) {
    offset += 2; // item id
    const method = version === 1 ? bytes.readUInt16BE(offset) & 0x0f : 0;
    offset += version === 1 ? 4 : 2; // construction method, data reference index
    if (method === 0) bytes.writeUInt32BE(bytes.readUInt32BE(offset) + delta, offset);
    offset += 4;
    offset += 2 + 8 * bytes.readUInt16BE(offset); // extents: offset, length
  }
}

/** Points `pitm` at `item`, so the primary image is not the first one in the file. */
function withPrimary(heic: Buffer, item: number): Buffer {
  const out = Buffer.from(heic);
  const meta = boxes(out, 0, out.length).find((b) => b.type === 'meta');
  if (!meta) throw new Error('no meta');
  const pitm = child(out, meta, 'pitm', 4);
  if (out[pitm.offset + 8] !== 0) throw new Error('expected pitm version 0');
  out.writeUInt16BE(item, pitm.offset + 12);
  return out;
}

function heifEnc(input: string, output: string, ...args: string[]): void {
  execFileSync('heif-enc', ['-q', QUALITY, ...args, '-o', output, input], { stdio: 'pipe' });
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const scratch = mkdtempSync(path.join(tmpdir(), 'heic-fixtures-'));
  const tmp = (name: string) => path.join(scratch, name);
  try {
    // A plain photo whose EXIF says "rotate 90° clockwise" (orientation 6): HEIF makes EXIF
    // orientation informational, so a decoder must not turn it.
    await sharp(path.join(PHOTOS, 'coffee.png'))
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toFile(tmp('coffee.jpg'));
    heifEnc(tmp('coffee.jpg'), path.join(OUT, 'coffee-exif6.heic'));

    // Rotated the HEIF way: `irot` of one quarter turn anticlockwise on a 640x427 photo.
    await sharp(path.join(PHOTOS, 'rocket.jpg')).jpeg({ quality: 95 }).toFile(tmp('rocket.jpg'));
    heifEnc(tmp('rocket.jpg'), tmp('rocket.heic'));
    writeFileSync(
      path.join(OUT, 'rocket-irot90.heic'),
      withIrot(readFileSync(tmp('rocket.heic')), 1),
    );

    // Alpha: the astronaut inside a disc, transparent outside.
    const disc = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512"><circle cx="256" cy="256" r="200" fill="#fff"/></svg>',
    );
    await sharp(path.join(PHOTOS, 'astronaut.png'))
      .ensureAlpha()
      .composite([{ input: disc, blend: 'dest-in' }])
      .png()
      .toFile(tmp('astronaut.png'));
    heifEnc(tmp('astronaut.png'), path.join(OUT, 'astronaut-alpha.heic'));

    // 10-bit: heif-enc keeps 10 bits from a 16-bit PNG.
    await sharp(path.join(PHOTOS, 'chelsea.png'))
      .toColourspace('rgb16')
      .png()
      .toFile(tmp('chelsea16.png'));
    heifEnc(tmp('chelsea16.png'), path.join(OUT, 'chelsea-10bit.heic'), '-b', '10');

    // Two images, the second (item 3, coffee; item 2 is chelsea's grid, 1 its tile) primary.
    await sharp(path.join(PHOTOS, 'chelsea.png')).jpeg({ quality: 95 }).toFile(tmp('chelsea.jpg'));
    execFileSync('heif-enc', [
      '-q',
      QUALITY,
      '-o',
      tmp('two.heic'),
      tmp('chelsea.jpg'),
      tmp('coffee.jpg'),
    ]);
    writeFileSync(
      path.join(OUT, 'two-images-second-primary.heic'),
      withPrimary(readFileSync(tmp('two.heic')), 3),
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  for (const line of execFileSync('ls', ['-l', OUT], { encoding: 'utf8' }).split('\n'))
    console.log(line);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
