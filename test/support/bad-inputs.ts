import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { FIXTURES_DIR, photo } from './fixtures';
import { noise } from './noise';

/**
 * Builders for inputs the service must refuse, made at run time from the fixture photos so
 * that no broken binary is committed. Each returns fresh bytes; none touches the fixtures.
 */

/** Bytes from a seeded generator; the first byte is 0x00, which starts no image signature. */
export function randomBytes(length: number, seed = 42): Buffer {
  return length <= 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.alloc(1), noise(length - 1, seed)]);
}

export function plainText(): Buffer {
  return Buffer.from('Dear service,\nplease turn this letter into a cartoon.\nThanks!\n', 'utf8');
}

/** `rocket.jpg` cut in half: a valid header, then the entropy-coded data stops. */
export function truncatedJpeg(): Buffer {
  const jpeg = photo('rocket.jpg');
  return Buffer.from(jpeg.subarray(0, Math.floor(jpeg.length / 2)));
}

/** The first `fraction` of `bytes`, copied. */
export function truncate(bytes: Buffer, fraction = 0.5): Buffer {
  return Buffer.from(bytes.subarray(0, Math.floor(bytes.length * fraction)));
}

interface PngChunk {
  readonly type: string;
  /** Offset of the chunk's length field. */
  readonly offset: number;
  readonly length: number;
}

/** The chunks of a well-formed PNG, in order. */
export function pngChunks(png: Buffer): PngChunk[] {
  const chunks: PngChunk[] = [];
  for (let offset = 8; offset + 12 <= png.length; ) {
    const length = png.readUInt32BE(offset);
    chunks.push({ type: png.toString('latin1', offset + 4, offset + 8), offset, length });
    offset += 12 + length;
  }
  return chunks;
}

function pngChunk(png: Buffer, type: string): PngChunk {
  const chunk = pngChunks(png).find((candidate) => candidate.type === type);
  if (!chunk) throw new Error(`fixture has no ${type} chunk`);
  return chunk;
}

/** Flips one byte in the middle of the first IDAT's data, leaving its stored CRC stale. */
export function withBadIdatCrc(png: Buffer): Buffer {
  const copy = Buffer.from(png);
  const idat = pngChunk(copy, 'IDAT');
  const index = idat.offset + 8 + Math.floor(idat.length / 2);
  copy[index] = (copy[index] as number) ^ 0xff;
  return copy;
}

/** `coffee.png` with a bad CRC in its image data. */
export function pngWithBadCrc(): Buffer {
  return withBadIdatCrc(photo('coffee.png'));
}

/** `coffee.png` re-encoded with Adam7 interlacing, which libvips decodes in one piece. */
export function interlacedPng(): Promise<Buffer> {
  return sharp(photo('coffee.png')).png({ progressive: true }).toBuffer();
}

/**
 * A decompression bomb: a small valid PNG whose IHDR (CRC fixed) declares `width`×`height`.
 * Decoding would need gigabytes; only the header may be read.
 */
export function pngBomb(width = 30_000, height = 30_000): Buffer {
  const copy = Buffer.from(photo('coffee.png'));
  const ihdr = pngChunk(copy, 'IHDR');
  copy.writeUInt32BE(width, ihdr.offset + 8);
  copy.writeUInt32BE(height, ihdr.offset + 12);
  const crcOffset = ihdr.offset + 8 + ihdr.length;
  copy.writeUInt32BE(crc32(copy.subarray(ihdr.offset + 4, crcOffset)), crcOffset);
  return copy;
}

/** The same bomb as a JPEG: `rocket.jpg` with its start-of-frame patched to `width`×`height`. */
export function jpegBomb(width = 30_000, height = 30_000): Buffer {
  const copy = Buffer.from(photo('rocket.jpg'));
  // Walk the marker segments after SOI up to the first SOFn (C0–CF except C4, C8, CC).
  for (let offset = 2; offset + 4 <= copy.length; ) {
    const marker = copy.readUInt16BE(offset);
    const isSof =
      marker >= 0xffc0 && marker <= 0xffcf && ![0xffc4, 0xffc8, 0xffcc].includes(marker);
    if (isSof) {
      copy.writeUInt16BE(height, offset + 5);
      copy.writeUInt16BE(width, offset + 7);
      return copy;
    }
    offset += 2 + copy.readUInt16BE(offset + 2);
  }
  throw new Error('fixture has no start-of-frame marker');
}

/** A well-formed SVG; libvips can render it, but it is not a type the service accepts. */
export function svg(): Buffer {
  return Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">' +
      '<circle cx="32" cy="32" r="24" fill="tomato"/></svg>\n',
  );
}

/** A minimal one-page PDF 1.4 document with a correct cross-reference table. */
export function pdf(): Buffer {
  const content = '0 0 1 rg 8 8 48 48 re f';
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 64 64] /Contents 4 0 R >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(body.length);
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/** An ISO BMFF box: 32-bit size, type, then the payload. */
function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

/** A full box: version and flags before the payload. */
function fullBox(type: string, version: number, flags: number, ...payload: Buffer[]): Buffer {
  const versionAndFlags = Buffer.alloc(4);
  versionAndFlags.writeUInt32BE(((version << 24) | flags) >>> 0);
  return box(type, versionAndFlags, ...payload);
}

function u8(...values: number[]): Buffer {
  return Buffer.from(values);
}

function u16(...values: number[]): Buffer {
  const bytes = Buffer.alloc(2 * values.length);
  for (const [index, value] of values.entries()) bytes.writeUInt16BE(value, 2 * index);
  return bytes;
}

function u32(...values: number[]): Buffer {
  const bytes = Buffer.alloc(4 * values.length);
  for (const [index, value] of values.entries()) bytes.writeUInt32BE(value, 4 * index);
  return bytes;
}

function fourCc(...codes: string[]): Buffer {
  return Buffer.from(codes.join(''), 'latin1');
}

/**
 * A HEIC container (HEIF with one HEVC-coded image, as iPhones write) declaring `width`×`height`
 * in its `ispe`, and optionally a different `codedSize` in its sequence parameter set (what
 * the HEVC decoder would allocate). The coded data is a stub that no decoder accepts.
 */
export function heic(
  width = 64,
  height = 48,
  codedSize?: { width: number; height: number },
): Buffer {
  const ftyp = box('ftyp', fourCc('heic'), u32(0), fourCc('mif1', 'heic'));
  // hvcC: HEVC Main profile, level 3.1, 4:2:0, 8-bit, 4-byte NAL lengths, and either no
  // parameter sets or one sequence parameter set declaring `codedSize`.
  const sps = codedSize ? hevcSps(codedSize.width, codedSize.height) : undefined;
  const hvcC = box(
    'hvcC',
    u8(1, 0x01),
    u32(0x60000000),
    u8(0x90, 0, 0, 0, 0, 0, 93),
    u16(0xf000),
    u8(0xfc, 0xfd, 0xf8, 0xf8),
    u16(0),
    u8(0x0f, sps ? 1 : 0),
    ...(sps ? [u8(0xa1), u16(1, sps.length), sps] : []),
  );
  const ispe = fullBox('ispe', 0, 0, u32(width, height));
  const coded = Buffer.alloc(32);
  const meta = (dataOffset: number) =>
    fullBox(
      'meta',
      0,
      0,
      fullBox('hdlr', 0, 0, u32(0), fourCc('pict'), u32(0, 0, 0), u8(0)),
      fullBox('pitm', 0, 0, u16(1)),
      // iloc v0: 4-byte offsets and lengths, no base offset; item 1 has one extent.
      fullBox('iloc', 0, 0, u8(0x44, 0x00), u16(1, 1, 0, 1), u32(dataOffset, coded.length)),
      fullBox('iinf', 0, 0, u16(1), fullBox('infe', 2, 0, u16(1, 0), fourCc('hvc1'), u8(0))),
      box(
        'iprp',
        box('ipco', hvcC, ispe),
        // ipma: item 1 has property 1 (hvcC, essential) and property 2 (ispe).
        fullBox('ipma', 0, 0, u32(1), u16(1), u8(2, 0x81, 0x02)),
      ),
    );
  const headerLength = ftyp.length + meta(0).length + 8;
  return Buffer.concat([ftyp, meta(headerLength), box('mdat', coded)]);
}

/**
 * The start of an HEVC sequence parameter set (H.265 7.3.2.2) up to its picture size: enough
 * for a header check, not for a decoder. Written bit by bit; Exp-Golomb codes for the ids and
 * sizes.
 */
function hevcSps(width: number, height: number): Buffer {
  const bits: number[] = [];
  const put = (value: number, count: number) => {
    for (let i = count - 1; i >= 0; i--) bits.push(Math.floor(value / 2 ** i) % 2);
  };
  const putUe = (value: number) => {
    const length = Math.floor(Math.log2(value + 1));
    put(0, length);
    put(value + 1, length + 1);
  };
  put(0, 4); // sps_video_parameter_set_id
  put(0, 3); // sps_max_sub_layers_minus1
  put(1, 1); // sps_temporal_id_nesting_flag
  put(0x01, 8); // general profile space, tier, profile idc (Main)
  put(0x60000000, 32); // profile compatibility flags
  put(0x900000000000, 48); // constraint flags
  put(93, 8); // general_level_idc
  putUe(0); // sps_seq_parameter_set_id
  putUe(1); // chroma_format_idc: 4:2:0
  putUe(width);
  putUe(height);
  put(1, 1); // stop bit
  while (bits.length % 8 !== 0) bits.push(0);
  const payload: number[] = [0x42, 0x01]; // NAL header: type 33 (SPS)
  for (let i = 0; i < bits.length; i += 8) payload.push(parseInt(bits.slice(i, i + 8).join(''), 2));
  return Buffer.from(payload);
}

/** A valid PNG of `width`×`height` pixels of one colour. */
export function solidPng(width: number, height: number): Promise<Buffer> {
  return sharp({
    create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } },
  })
    .png()
    .toBuffer();
}

/** A stream that yields `chunkSize`-byte chunks for ever: only a reader that stops can finish. */
export function endlessStream(chunkSize = 256): Readable {
  const chunk = Buffer.alloc(chunkSize, 0x61);
  return Readable.from(
    (function* () {
      for (;;) yield chunk;
    })(),
  );
}

/** The HEIC photos in `test/fixtures/heic`, made by scripts/make-heic-fixtures.ts. */
export const HEIC_FIXTURES = [
  'coffee-exif6.heic',
  'rocket-irot90.heic',
  'astronaut-alpha.heic',
  'chelsea-10bit.heic',
  'two-images-second-primary.heic',
] as const;
export type HeicFixture = (typeof HEIC_FIXTURES)[number];

export function heicFixture(name: HeicFixture): Buffer {
  return readFileSync(path.join(FIXTURES_DIR, 'heic', name));
}

/** Offsets of the payloads of every `ispe` box (after its version and flags). */
function ispeOffsets(heic: Buffer): number[] {
  const offsets: number[] = [];
  for (
    let at = heic.indexOf('ispe', 0, 'latin1');
    at >= 0;
    at = heic.indexOf('ispe', at + 4, 'latin1')
  ) {
    offsets.push(at + 8);
  }
  return offsets;
}

/**
 * A HEIC decompression bomb: `coffee-exif6.heic` with its `ispe` patched to declare
 * `width`×`height`. Decoding would allocate gigabytes; only the header may be read.
 */
export function heicBomb(width = 60_000, height = 60_000): Buffer {
  const copy = Buffer.from(heicFixture('coffee-exif6.heic'));
  const offsets = ispeOffsets(copy);
  if (offsets.length !== 1) throw new Error('expected one ispe box in coffee-exif6.heic');
  for (const offset of offsets) {
    copy.writeUInt32BE(width, offset);
    copy.writeUInt32BE(height, offset + 4);
  }
  return copy;
}

/** A HEIC whose header is intact but whose coded pixels are overwritten with noise. */
export function heicWithNoiseForPixels(): Buffer {
  const copy = Buffer.from(heicFixture('coffee-exif6.heic'));
  const mdat = copy.indexOf('mdat', 0, 'latin1');
  if (mdat < 0) throw new Error('fixture has no mdat box');
  randomBytes(copy.length - mdat - 4, 7).copy(copy, mdat + 4);
  return copy;
}
