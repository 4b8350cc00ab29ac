/**
 * HEIC: the HEIF stills that phones write, coded with HEVC. sharp's prebuilt libvips reads
 * the HEIF container (that is how it decodes AVIF) but ships no HEVC decoder, for patent
 * reasons. So the header is read here, by hand, to refuse a file before any pixel is decoded,
 * and the pixels come from libheif-js (libheif and libde265 compiled to WebAssembly), which is
 * loaded the first time a HEIC arrives, never at start-up: it is 2 MB of JavaScript that most
 * environments never need.
 *
 * The boxes read (ISO/IEC 14496-12 and 23008-12): `ftyp` for the brands; `meta` with `pitm`
 * (the primary item), `iinf` (item types), `iloc` (where each item's data lies), `iref`
 * (auxiliary images such as alpha) and `iprp` (`ipco` properties, `ipma` which item has which):
 * `ispe` (size), `irot` (rotation), `auxC` (what an auxiliary image is). libheif applies
 * `imir` (mirror) itself, so it is not read here.
 */
import { ImageTooLargeError, InvalidImageError, UnsupportedMediaTypeError } from './errors';

/** Brands that name HEVC-coded HEIF: stills (`heic`, `heix`), multi-image (`heim`, `heis`), sequences. */
const HEVC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);
/** Brands that name AV1-coded HEIF, which libvips decodes itself. */
const AVIF_BRANDS = new Set(['avif', 'avis']);
/** Generic HEIF brands: the codec is only known from the primary item's type. */
const HEIF_BRANDS = new Set(['mif1', 'msf1', 'mif2', 'miaf']);

/** What the brands of an `ftyp` box say about a file. */
export type HeifKind = 'hevc' | 'avif' | 'heif';

/** What a user sees when a HEIC cannot be read (a detail after a colon when the header says why). */
const HEIC_CORRUPT = 'HEIC image data is truncated or corrupt';

interface Box {
  readonly type: string;
  /** Offset of the payload (after size, type and any 64-bit size). */
  readonly start: number;
  /** Offset just past the box. */
  readonly end: number;
}

/**
 * The kind of HEIF file the bytes are, from the brands of a leading `ftyp` box, or undefined
 * when they are not HEIF at all. AVIF wins when both are named, since libvips decodes it.
 *
 * @example
 * ```ts
 * heifKind(await fs.readFile('IMG_0001.HEIC')); // 'hevc'
 * ```
 */
export function heifKind(bytes: Buffer): HeifKind | undefined {
  if (bytes.length < 16 || bytes.toString('latin1', 4, 8) !== 'ftyp') return undefined;
  const end = Math.min(bytes.length, bytes.readUInt32BE(0));
  const brands: string[] = [];
  // Major brand at 8, minor version at 12, then the compatible brands.
  for (let offset = 8; offset + 4 <= end; offset += 4) {
    if (offset !== 12) brands.push(bytes.toString('latin1', offset, offset + 4));
  }
  if (brands.some((brand) => AVIF_BRANDS.has(brand))) return 'avif';
  if (brands.some((brand) => HEVC_BRANDS.has(brand))) return 'hevc';
  if (brands.some((brand) => HEIF_BRANDS.has(brand))) return 'heif';
  return undefined;
}

/** What the header of a HEIF file says about its primary image. */
export interface HeifHeader {
  /** Item type of the primary image: `hvc1` (HEVC), `grid` (tiles), `av01` (AV1)... */
  readonly itemType: string;
  /** Whether the pixels are HEVC (directly, or the tiles of a grid). */
  readonly hevc: boolean;
  /** Size as displayed: `ispe` with `irot` applied (a quarter turn swaps the sides). */
  readonly width: number;
  readonly height: number;
  /** Quarter turns anticlockwise (`irot`). */
  readonly rotation: 0 | 1 | 2 | 3;
  /** Whether an auxiliary alpha image belongs to the primary image. */
  readonly hasAlpha: boolean;
  /** The largest `ispe` of any item (tiles, thumbnails, alpha), which the decoder may allocate. */
  readonly largestItemPixels: number;
}

/**
 * Reads the primary image's size, orientation and alpha from a HEIF header, and checks that
 * every item's data lies inside the file (a cut-short file is refused here, with a clear
 * message, instead of inside the decoder). Nothing is decoded.
 *
 * @throws InvalidImageError when the boxes are cut short, malformed or point outside the file
 * @example
 * ```ts
 * const { width, height, hevc } = readHeifHeader(bytes); // 3024, 4032, true
 * ```
 */
export function readHeifHeader(bytes: Buffer): HeifHeader {
  try {
    return parseHeader(bytes);
  } catch (err) {
    if (err instanceof InvalidImageError || err instanceof UnsupportedMediaTypeError) throw err;
    // A RangeError from a read past the end: a length field lied.
    throw new InvalidImageError(HEIC_CORRUPT, { cause: err });
  }
}

function parseHeader(bytes: Buffer): HeifHeader {
  const top = children(bytes, 0, bytes.length, true);
  const meta = top.find((box) => box.type === 'meta');
  if (!meta) {
    throw new UnsupportedMediaTypeError(
      'HEIF files without a still image (image sequences only) are not supported',
    );
  }
  const metaBoxes = children(bytes, meta.start + 4, meta.end);
  const find = (type: string) => metaBoxes.find((box) => box.type === type);

  const pitm = find('pitm');
  const iinf = find('iinf');
  const iprp = find('iprp');
  const iloc = find('iloc');
  if (!pitm || !iinf || !iprp || !iloc) throw corrupt('a required box is missing');
  const primary =
    bytes[pitm.start] === 0
      ? bytes.readUInt16BE(pitm.start + 4)
      : bytes.readUInt32BE(pitm.start + 4);

  const itemTypes = readItemTypes(bytes, iinf);
  const itemType = itemTypes.get(primary);
  if (itemType === undefined) throw corrupt('the primary item is not listed');

  const iprpBoxes = children(bytes, iprp.start, iprp.end);
  const ipco = iprpBoxes.find((box) => box.type === 'ipco');
  const ipmas = iprpBoxes.filter((box) => box.type === 'ipma');
  if (!ipco || ipmas.length === 0) throw corrupt('item properties are missing');
  const properties = children(bytes, ipco.start, ipco.end);
  const associations = readAssociations(bytes, ipmas);
  const propertiesOf = (item: number) =>
    (associations.get(item) ?? [])
      .map((index) => properties[index - 1])
      .filter((p) => p !== undefined);

  const own = propertiesOf(primary);
  const ispe = own.find((box) => box.type === 'ispe');
  if (!ispe) throw corrupt('the primary image has no size');
  const ispeWidth = bytes.readUInt32BE(ispe.start + 4);
  const ispeHeight = bytes.readUInt32BE(ispe.start + 8);
  const irot = own.find((box) => box.type === 'irot');
  const rotation = (irot ? (bytes[irot.start] as number) & 0x03 : 0) as 0 | 1 | 2 | 3;

  // What the decoder will allocate: every declared size (tiles, thumbnails, alpha), and the
  // coded size in each HEVC sequence parameter set, which libde265 trusts over `ispe`.
  let largestItemPixels = 0;
  for (const box of properties) {
    const pixels =
      box.type === 'ispe'
        ? bytes.readUInt32BE(box.start + 4) * bytes.readUInt32BE(box.start + 8)
        : box.type === 'hvcC'
          ? hvccCodedPixels(bytes, box)
          : 0;
    largestItemPixels = Math.max(largestItemPixels, pixels);
  }

  const references = find('iref') ? readReferences(bytes, find('iref') as Box) : [];
  const hasAlpha = references.some(
    (ref) =>
      ref.type === 'auxl' &&
      ref.to.includes(primary) &&
      propertiesOf(ref.from).some((box) => box.type === 'auxC' && isAlphaAux(bytes, box)),
  );
  // A grid is HEVC when its tiles (the items it derives from, `dimg`) are.
  const tiles = references
    .filter((ref) => ref.type === 'dimg' && ref.from === primary)
    .flatMap((ref) => ref.to);
  const hevc =
    itemType === 'hvc1' ||
    (itemType === 'grid' && tiles.length > 0 && tiles.every((t) => itemTypes.get(t) === 'hvc1'));

  checkExtents(bytes, iloc, find('idat'));
  const quarter = rotation % 2 === 1;
  return {
    itemType,
    hevc,
    width: quarter ? ispeHeight : ispeWidth,
    height: quarter ? ispeWidth : ispeHeight,
    rotation,
    hasAlpha,
    largestItemPixels,
  };
}

function corrupt(detail: string): InvalidImageError {
  return new InvalidImageError(`${HEIC_CORRUPT}: ${detail}`);
}

/** The boxes between `start` and `end`; a box that runs past `end` means a cut-short file. */
function children(bytes: Buffer, start: number, end: number, topLevel = false): Box[] {
  const boxes: Box[] = [];
  for (let offset = start; offset + 8 <= end; ) {
    let size = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    let header = 8;
    if (size === 1) {
      size = Number(bytes.readBigUInt64BE(offset + 8));
      header = 16;
    } else if (size === 0) {
      size = end - offset;
    }
    if (size < header) throw corrupt(`a ${JSON.stringify(type)} box has an impossible size`);
    if (offset + size > end) {
      // The media data of a cut-short file is cut too, but only `iloc` can tell: see checkExtents.
      if (topLevel && type === 'mdat') {
        boxes.push({ type, start: offset + header, end });
        break;
      }
      throw corrupt('the file is cut short');
    }
    boxes.push({ type, start: offset + header, end: offset + size });
    offset += size;
  }
  return boxes;
}

function readItemTypes(bytes: Buffer, iinf: Box): Map<number, string> {
  const version = bytes[iinf.start];
  const entriesStart = iinf.start + 4 + (version === 0 ? 2 : 4);
  const types = new Map<number, string>();
  for (const infe of children(bytes, entriesStart, iinf.end)) {
    if (infe.type !== 'infe') continue;
    const infeVersion = bytes[infe.start] as number;
    // Versions 0 and 1 predate item types; only 2 (16-bit ids) and 3 (32-bit ids) name them.
    if (infeVersion < 2) continue;
    const id =
      infeVersion === 2 ? bytes.readUInt16BE(infe.start + 4) : bytes.readUInt32BE(infe.start + 4);
    const typeOffset = infe.start + 4 + (infeVersion === 2 ? 2 : 4) + 2;
    types.set(id, bytes.toString('latin1', typeOffset, typeOffset + 4));
  }
  return types;
}

/** Item id to the 1-based indexes of its properties in `ipco`. */
function readAssociations(bytes: Buffer, ipmas: Box[]): Map<number, number[]> {
  const associations = new Map<number, number[]>();
  for (const ipma of ipmas) {
    const version = bytes[ipma.start] as number;
    const wideIndexes = ((bytes[ipma.start + 3] as number) & 0x01) === 1;
    let offset = ipma.start + 4;
    const count = bytes.readUInt32BE(offset);
    offset += 4;
    for (let entry = 0; entry < count; entry++) {
      const item = version < 1 ? bytes.readUInt16BE(offset) : bytes.readUInt32BE(offset);
      offset += version < 1 ? 2 : 4;
      const n = bytes[offset] as number;
      offset += 1;
      const indexes: number[] = [];
      for (let a = 0; a < n; a++) {
        // The top bit of each association is the "essential" flag.
        indexes.push(
          wideIndexes ? bytes.readUInt16BE(offset) & 0x7fff : bytes.readUInt8(offset) & 0x7f,
        );
        offset += wideIndexes ? 2 : 1;
      }
      if (offset > ipma.end) throw corrupt('item properties are cut short');
      associations.set(item, indexes);
    }
  }
  return associations;
}

interface Reference {
  readonly type: string;
  readonly from: number;
  readonly to: number[];
}

function readReferences(bytes: Buffer, iref: Box): Reference[] {
  const wide = bytes[iref.start] !== 0;
  return children(bytes, iref.start + 4, iref.end).map((box) => {
    const read = (offset: number) =>
      wide ? bytes.readUInt32BE(offset) : bytes.readUInt16BE(offset);
    const step = wide ? 4 : 2;
    const from = read(box.start);
    const count = bytes.readUInt16BE(box.start + step);
    const to: number[] = [];
    for (let i = 0; i < count; i++) to.push(read(box.start + step + 2 + i * step));
    return { type: box.type, from, to };
  });
}

/** The largest picture any sequence parameter set in an `hvcC` declares (0 if none). */
function hvccCodedPixels(bytes: Buffer, hvcC: Box): number {
  // hvcC: 22 bytes of configuration, a count of NAL arrays, then per array: type (low 6
  // bits), a count of NAL units, and each unit with a 16-bit length.
  let offset = hvcC.start + 22;
  const arrays = bytes[offset++] as number;
  let largest = 0;
  for (let a = 0; a < arrays; a++) {
    const nalType = (bytes[offset] as number) & 0x3f;
    const units = bytes.readUInt16BE(offset + 1);
    offset += 3;
    for (let u = 0; u < units; u++) {
      const length = bytes.readUInt16BE(offset);
      const end = offset + 2 + length;
      if (end > hvcC.end) throw corrupt('a parameter set is cut short');
      if (nalType === 33) largest = Math.max(largest, spsPixels(bytes.subarray(offset + 2, end)));
      offset = end;
    }
  }
  return largest;
}

/** pic_width × pic_height of an HEVC sequence parameter set (H.265 7.3.2.2). */
function spsPixels(nal: Buffer): number {
  // Emulation prevention: 00 00 03 stands for 00 00 inside a NAL unit.
  const rbsp: number[] = [];
  for (let i = 2; i < nal.length; i++) {
    if (i >= 4 && nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
    rbsp.push(nal[i] as number);
  }
  let bit = 0;
  const read = (n: number): number => {
    let value = 0;
    for (let i = 0; i < n; i++, bit++) {
      const byte = rbsp[bit >> 3];
      if (byte === undefined) throw corrupt('a parameter set is cut short');
      value = value * 2 + ((byte >> (7 - (bit & 7))) & 1);
    }
    return value;
  };
  const readUe = (): number => {
    let zeros = 0;
    while (read(1) === 0) if (++zeros > 31) throw corrupt('a parameter set is malformed');
    return 2 ** zeros - 1 + read(zeros);
  };
  read(4); // sps_video_parameter_set_id
  const subLayers = read(3); // sps_max_sub_layers_minus1
  read(1); // sps_temporal_id_nesting_flag
  read(96); // general profile, tier and level
  const present: [boolean, boolean][] = [];
  for (let i = 0; i < subLayers; i++) present.push([read(1) === 1, read(1) === 1]);
  if (subLayers > 0) read(2 * (8 - subLayers)); // reserved_zero_2bits
  for (const [profile, level] of present) read((profile ? 88 : 0) + (level ? 8 : 0));
  readUe(); // sps_seq_parameter_set_id
  if (readUe() === 3) read(1); // chroma_format_idc, separate_colour_plane_flag
  return readUe() * readUe();
}

/** `auxC` names an alpha plane with the HEVC or the MPEG-B urn. */
function isAlphaAux(bytes: Buffer, auxC: Box): boolean {
  const text = bytes.toString('latin1', auxC.start + 4, auxC.end);
  const urn = text.slice(0, Math.max(0, text.indexOf('\0')) || text.length);
  return (
    urn === 'urn:mpeg:hevc:2015:auxid:1' || urn === 'urn:mpeg:mpegB:cicp:systems:auxiliary:alpha'
  );
}

/** Every extent of every item must lie inside the file (or inside `idat`). */
function checkExtents(bytes: Buffer, iloc: Box, idat: Box | undefined): void {
  const version = bytes[iloc.start] as number;
  let offset = iloc.start + 4;
  const sizes = bytes.readUInt16BE(offset);
  offset += 2;
  const offsetSize = sizes >> 12;
  const lengthSize = (sizes >> 8) & 0x0f;
  const baseOffsetSize = (sizes >> 4) & 0x0f;
  const indexSize = version === 1 || version === 2 ? sizes & 0x0f : 0;
  const read = (size: number): number => {
    const value =
      size === 0
        ? 0
        : size === 4
          ? bytes.readUInt32BE(offset)
          : size === 8
            ? Number(bytes.readBigUInt64BE(offset))
            : Number.NaN;
    if (Number.isNaN(value)) throw corrupt('item locations use an unknown field size');
    offset += size;
    return value;
  };
  const count = version < 2 ? bytes.readUInt16BE(offset) : bytes.readUInt32BE(offset);
  offset += version < 2 ? 2 : 4;
  for (let item = 0; item < count; item++) {
    offset += version < 2 ? 2 : 4; // item id
    const method = version === 1 || version === 2 ? bytes.readUInt16BE(offset) & 0x0f : 0;
    if (version === 1 || version === 2) offset += 2;
    offset += 2; // data reference index
    const base = read(baseOffsetSize);
    const extents = bytes.readUInt16BE(offset);
    offset += 2;
    for (let e = 0; e < extents; e++) {
      read(indexSize);
      const start = base + read(offsetSize);
      const length = read(lengthSize);
      // Method 0 points into the file, 1 into `idat`; 2 (item offsets) is checked by libheif.
      const limit =
        method === 0 ? bytes.length : method === 1 ? (idat ? idat.end - idat.start : 0) : Infinity;
      if (start + length > limit) throw corrupt('the file is cut short');
    }
    if (offset > iloc.end) throw corrupt('item locations are cut short');
  }
}

/** Decoded pixels: 8-bit RGBA, rows packed, orientation applied. */
export interface DecodedHeic {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

/** The slice of libheif-js's API used here (it ships no types for its CommonJS entry). */
interface LibheifImage {
  is_primary(): boolean;
  get_width(): number;
  get_height(): number;
  display(
    target: { data: Uint8ClampedArray; width: number; height: number },
    done: (result: { data: Uint8ClampedArray } | null) => void,
  ): void;
  free(): void;
}
interface Libheif {
  readonly ready?: Promise<unknown>;
  readonly HeifDecoder: new () => {
    decode(bytes: Uint8Array): LibheifImage[];
    readonly decoder: { delete(): void } | null;
  };
}

let libheif: Libheif | undefined;

/**
 * Loads libheif on first use: the WebAssembly is embedded in `wasm-bundle` as base64, and
 * compiling it is most of what the first HEIC of an environment costs (see the README).
 * libheif-js is used directly rather than through heic-decode, whose API decodes the first
 * image listed, which is not always the primary one.
 */
function loadLibheif(): Libheif {
  // A require at call time, not an import: imports run when the core loads, at every cold start.
  libheif ??= require('libheif-js/wasm-bundle') as Libheif;
  return libheif;
}

/**
 * Decodes the primary image of a HEIC to 8-bit RGBA, after its header has passed
 * {@link readHeifHeader} and the caller's limits. libheif applies the HEIF transforms
 * (`irot`, `imir`, `clap`), converts YCbCr to RGB with the file's matrix and 10-bit or 12-bit
 * samples to 8 bits; EXIF orientation, which HEIF makes informational only, is not applied,
 * and no metadata is returned.
 *
 * @param maxPixels checked again on the decoded size, in case the coded data disagrees with `ispe`
 * @example
 * ```ts
 * const { data, width, height } = await decodeHeic(bytes, 40_000_000);
 * const png = await sharp(data, { raw: { width, height, channels: 4 } }).png().toBuffer();
 * ```
 */
export async function decodeHeic(bytes: Buffer, maxPixels: number): Promise<DecodedHeic> {
  const heif = loadLibheif();
  await heif.ready;
  const decoder = new heif.HeifDecoder();
  const images = decoder.decode(bytes);
  try {
    // libheif lists nothing when it cannot parse the file (it logs why to stdout).
    const primary = images.find((image) => image.is_primary());
    if (!primary) throw new InvalidImageError(HEIC_CORRUPT);
    const width = primary.get_width();
    const height = primary.get_height();
    if (width * height > maxPixels) {
      throw new ImageTooLargeError(
        `Image is ${width}x${height} (${width * height} pixels); the limit is ${maxPixels} pixels`,
      );
    }
    const target = { data: new Uint8ClampedArray(width * height * 4), width, height };
    const decoded = await new Promise<{ data: Uint8ClampedArray } | null>((resolve) =>
      primary.display(target, resolve),
    );
    if (!decoded) throw new InvalidImageError(HEIC_CORRUPT);
    const { data } = decoded;
    return { width, height, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
  } finally {
    for (const image of images) image.free();
    decoder.decoder?.delete();
  }
}
