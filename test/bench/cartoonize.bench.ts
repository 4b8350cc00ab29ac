/**
 * `npm run bench`: how much the cartoon costs over the floor, the same decode, resize and
 * encode with no effect, measured in the same run on the same inputs, the floor and each
 * style taking turns.
 *
 *   npm run bench                  # every input, maxSide 1024 and 2048
 *   npm run bench -- --quick       # camera-sized inputs only (4, 12 and 24 MP)
 *
 * Then the classic OpenCV recipe (`opencv-cartoon.py`, Debian's python3-opencv, installed
 * here when missing and run as root) on the same camera-sized inputs, and the peak RSS of a
 * 12 MP and a 40 MP input in a fresh process.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  cartoonize,
  configureSharp,
  fitInside,
  STYLE_NAMES,
  threadsPerImage,
  withFormat,
} from '@cartoon-compute/core';
import sharp from 'sharp';
import {
  gaussianBlur,
  halvedToFit,
  outlines,
  separableMedian,
  softenColour,
} from '../../layers/core/src/ink';
import { resolveOptions } from '../../layers/core/src/options';
import { Painting } from '../../layers/core/src/paint';
import { choosePalette } from '../../layers/core/src/palette';
import { cameraJpeg, PHOTO_NAMES, photo } from '../support/fixtures';
import * as reference from '../support/ink-reference';
import * as paintReference from '../support/paint-reference';
import { interleavedMedians, medianMs } from '../support/timing';

const quick = process.argv.includes('--quick');
const RUNS = 11;
const QUALITY = 82;
/** Debian's python3-opencv runs the classic recipe; Debian's own Python has it, not a venv's. */
const PYTHON = '/usr/bin/python3';
const OPENCV_SCRIPT = path.join(__dirname, 'opencv-cartoon.py');

configureSharp();

const median = (run: () => Promise<unknown>) => medianMs(run, RUNS);

async function floor(bytes: Buffer, maxSide: number): Promise<Buffer> {
  const { width = 1, height = 1, autoOrient } = await sharp(bytes).metadata();
  const size = fitInside(autoOrient?.width ?? width, autoOrient?.height ?? height, maxSide);
  return withFormat(
    sharp(bytes).autoOrient().resize(size.width, size.height, { fit: 'fill' }),
    'jpeg',
    QUALITY,
  ).toBuffer();
}

/** Runs `use` with `bytes` written to a temporary file. */
function withFile<T>(bytes: Buffer, use: (file: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'cartoon-bench-'));
  try {
    const file = path.join(dir, 'input.jpg');
    writeFileSync(file, bytes);
    return use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Peak RSS of one cartoonize of `bytes`, in a fresh process so nothing else inflates it. */
function peakRss(bytes: Buffer): string {
  return withFile(bytes, (file) => {
    const script = path.join(__dirname, 'peak-rss.ts');
    const tsx = require.resolve('tsx/cli');
    return execFileSync(process.execPath, [tsx, script, file], { encoding: 'utf8' }).trim();
  });
}

function hasOpenCv(): boolean {
  return spawnSync(PYTHON, ['-c', 'import cv2'], { stdio: 'ignore' }).status === 0;
}

/**
 * Makes sure Debian's python3-opencv is there for the comparison: installs it when this
 * process is root (as on the project's machines), otherwise says how. Returns whether it is.
 */
function ensureOpenCv(): boolean {
  if (hasOpenCv()) return true;
  const how = 'apt-get update && apt-get install -y python3-opencv';
  if (process.getuid?.() !== 0) {
    console.log(
      `OpenCV comparison skipped: ${PYTHON} cannot import cv2. Install it with: sudo ${how}`,
    );
    return false;
  }
  console.log(`${PYTHON} cannot import cv2: installing Debian's python3-opencv (${how})`);
  spawnSync('sh', ['-c', `${how} >/dev/null`], { stdio: 'inherit' });
  if (hasOpenCv()) return true;
  console.log(`OpenCV comparison skipped: the install failed; run ${how} as root`);
  return false;
}

/** Median ms of the classic OpenCV recipe on `bytes`, in Debian's Python, decode to encode. */
function openCvMs(bytes: Buffer, maxSide: number): number {
  return withFile(bytes, (file) =>
    Number(
      execFileSync(PYTHON, [OPENCV_SCRIPT, file, String(maxSide), String(RUNS), String(QUALITY)], {
        encoding: 'utf8',
      }).trim(),
    ),
  );
}

/**
 * Why `withFormat` turns Huffman optimisation off: the same 2048 px cartoon encoded both ways.
 */
async function jpegCoding(bytes: Buffer): Promise<string> {
  const cartoon = await cartoonize(bytes, { maxSide: 2048, format: 'png' });
  const { data, info } = await sharp(cartoon.data).raw().toBuffer({ resolveWithObject: true });
  const cells: string[] = [];
  for (const optimiseCoding of [true, false]) {
    const encode = () =>
      sharp(data, { raw: info }).jpeg({ quality: QUALITY, optimiseCoding }).toBuffer();
    const ms = await median(encode);
    const kb = (await encode()).length / 1024;
    cells.push(`optimiseCoding ${optimiseCoding}: ${ms.toFixed(0)} ms, ${kb.toFixed(0)} KB`);
  }
  return cells.join('; ');
}

/**
 * Where the time of one cartoon goes: the median of each stage `cartoonize` reports. The
 * stages overlap on libvips' threads, so they add up to about the total, not exactly.
 */
async function stages(bytes: Buffer): Promise<string> {
  const runs: Array<Record<string, number>> = [];
  await cartoonize(bytes, { maxSide: 2048, quality: QUALITY });
  for (let i = 0; i < RUNS; i++) {
    runs.push((await cartoonize(bytes, { maxSide: 2048, quality: QUALITY })).timings);
  }
  return Object.keys(runs[0] ?? {})
    .map((stage) => {
      const times = runs.map((t) => t[stage] as number).sort((a, b) => a - b);
      return `${stage} ${(times[Math.floor(times.length / 2)] as number).toFixed(1)}`;
    })
    .join(', ');
}

/**
 * The outline median in WebAssembly against the TypeScript it replaced
 * (test/support/ink-reference.ts), on the grey ink field of a 2048 px cartoon.
 */
async function medianKernel(bytes: Buffer): Promise<string> {
  const size = { width: 1024, height: 683 };
  const grey = await sharp(bytes)
    .resize(size.width, size.height, { fit: 'fill' })
    .greyscale()
    .raw()
    .toBuffer();
  const typescript = await median(async () =>
    reference.separableMedian(Buffer.from(grey), size, 5),
  );
  const wasm = await median(async () => separableMedian(Buffer.from(grey), size, 5));
  return `TypeScript ${typescript.toFixed(1)} ms, WebAssembly SIMD ${wasm.toFixed(2)} ms`;
}

/**
 * The painting in WebAssembly against the TypeScript it replaced
 * (test/support/paint-reference.ts), and alone against shared with the helper worker (two
 * threads an image): the flat colours and the ink of a 2048 px cartoon, from fields made as
 * cartoonize makes them.
 */
async function paintKernels(bytes: Buffer): Promise<string> {
  const output = { width: 2048, height: 1365 };
  const inkSize = { width: 1024, height: 683 };
  const options = resolveOptions({ maxSide: 2048 });
  const rgb = await sharp(bytes)
    .resize(inkSize.width, inkSize.height, { fit: 'fill' })
    .raw()
    .toBuffer();
  const colourField = softenColour(rgb, inkSize, halvedToFit(inkSize, 640), 2.5);
  const palette = choosePalette(colourField.pixels.subarray(0, 4096 * 3), options.colours);
  const inkField = { pixels: outlines(rgb, inkSize, 1.2), size: inkSize };
  const typescript = await median(async () => {
    const out = paintReference.paintFill(colourField, output, palette, options);
    paintReference.layInk(out, output, inkField, options);
  });
  const paint = async (concurrency: number) => {
    configureSharp({ concurrency });
    Painting.paint(colourField, inkField, output, palette, options).release();
  };
  const threads = threadsPerImage();
  await paint(2); // starts the helper worker
  await new Promise((resolve) => setTimeout(resolve, 300));
  const ms = await interleavedMedians(
    {
      alone: () => paint(1),
      shared: () => paint(2),
    },
    RUNS * 2,
  );
  configureSharp({ concurrency: threads });
  return `TypeScript ${typescript.toFixed(1)} ms, WebAssembly ${(ms.alone as number).toFixed(1)} ms alone, ${(ms.shared as number).toFixed(1)} ms shared with the helper worker`;
}

/**
 * The analysis kernels against the libvips pipelines they replaced, on the 1024x683 ink
 * field of a 2048 px cartoon, interleaved: the colour field (libvips: a bilinear shrink to
 * 640 px and a blur; kernels: halving to 512 px and a blur), the two outline blurs, and a
 * libvips pipeline that only copies the grey image, with the CPU time it takes.
 */
async function analysisKernels(bytes: Buffer): Promise<string> {
  const size = { width: 1024, height: 683 };
  const rgb = await sharp(bytes).resize(size.width, size.height, { fit: 'fill' }).raw().toBuffer();
  const grey = await sharp(rgb, { raw: { ...size, channels: 3 } })
    .greyscale()
    .raw()
    .toBuffer();
  const raw = (channels: 1 | 3) => ({ raw: { ...size, channels } });
  const libvipsBlur = (by: number) => sharp(grey, raw(1)).blur(by).raw().toBuffer();
  const copy = () => sharp(grey, raw(1)).raw().toBuffer();
  const ms = await interleavedMedians(
    {
      libvipsColour: () =>
        sharp(rgb, raw(3))
          .resize(640, 427, { fit: 'fill', kernel: 'linear' })
          .blur(3.1)
          .raw()
          .toBuffer(),
      kernelColour: async () => softenColour(rgb, size, halvedToFit(size, 640), 2.5),
      libvipsBlurs: () => Promise.all([libvipsBlur(2.4), libvipsBlur(3.84)]),
      kernelBlurs: async () => [gaussianBlur(grey, size, 2.4), gaussianBlur(grey, size, 3.84)],
      copy,
    },
    RUNS * 2,
  );
  const before = process.cpuUsage();
  for (let i = 0; i < 20; i++) await copy();
  const cpu = process.cpuUsage(before);
  const copyCpu = (cpu.user + cpu.system) / 1000 / 20;
  const f = (key: keyof typeof ms) => ms[key].toFixed(2);
  return `colour field libvips ${f('libvipsColour')} ms, kernels ${f('kernelColour')} ms; two outline blurs libvips ${f('libvipsBlurs')} ms, kernels ${f('kernelBlurs')} ms; a libvips pipeline that only copies the grey image ${f('copy')} ms wall, ${copyCpu.toFixed(2)} ms CPU`;
}

async function main() {
  // Camera sizes: an older or cropped photo, a 12 MP phone photo, and the 24 MP that recent
  // phones save by default.
  const fourMp = await cameraJpeg('coffee.png', 4);
  const twelveMp = await cameraJpeg('coffee.png', 12);
  const cameraInputs: Array<[string, Buffer]> = [
    ['4 MP jpeg (coffee)', fourMp],
    ['12 MP jpeg (coffee)', twelveMp],
    ['24 MP jpeg (coffee)', await cameraJpeg('coffee.png', 24)],
  ];
  const inputs = [...cameraInputs];
  if (!quick) for (const name of PHOTO_NAMES) inputs.unshift([name, photo(name)]);

  console.log(
    `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, concurrency ${sharp.concurrency()}, ${RUNS} runs, median ms`,
  );
  console.log(['input', 'maxSide', 'floor', ...STYLE_NAMES.map((s) => `${s} (ratio)`)].join(' | '));
  for (const maxSide of [1024, 2048]) {
    for (const [label, bytes] of inputs) {
      // The floor and the styles take turns, so a drift in the machine's speed touches all.
      const runs: Record<string, () => Promise<unknown>> = { floor: () => floor(bytes, maxSide) };
      for (const style of STYLE_NAMES) {
        runs[style] = () => cartoonize(bytes, { style, maxSide, quality: QUALITY });
      }
      const ms = await interleavedMedians(runs, RUNS);
      const floorMs = ms.floor as number;
      const cells = [label, String(maxSide), floorMs.toFixed(0)];
      for (const style of STYLE_NAMES) {
        const styleMs = ms[style] as number;
        cells.push(`${styleMs.toFixed(0)} (${(styleMs / floorMs).toFixed(2)}x)`);
      }
      console.log(cells.join(' | '));
    }
  }

  // The comparison the issue asks for: the same camera-sized inputs to 2048 px, against the
  // classic OpenCV recipe measured now, on the same machine and in the same run.
  if (ensureOpenCv()) {
    for (const [label, bytes] of cameraInputs.slice(0, 2)) {
      const openCv = openCvMs(bytes, 2048);
      const ours = await median(() => cartoonize(bytes, { maxSide: 2048, quality: QUALITY }));
      console.log(
        `${label} to 2048 px: OpenCV classic recipe ${openCv.toFixed(0)} ms, cartoonize classic ${ours.toFixed(0)} ms: ${(openCv / ours).toFixed(2)}x faster`,
      );
    }
  }

  for (const [label, bytes] of cameraInputs.slice(0, 2)) {
    console.log(`${label} to 2048 px, classic, median ms per stage: ${await stages(bytes)}`);
  }
  console.log(`outline median of a 1024x683 ink field: ${await medianKernel(fourMp)}`);
  console.log(`analysis of a 1024x683 ink field: ${await analysisKernels(fourMp)}`);
  console.log(`painting a 2048x1365 cartoon, fill and ink: ${await paintKernels(fourMp)}`);
  console.log(`jpeg encode of a 2048 px cartoon (from 4 MP): ${await jpegCoding(fourMp)}`);
  console.log(`peak RSS, one 12 MP cartoonize to 2048 px in a fresh process: ${peakRss(twelveMp)}`);
  const fortyMp = await cameraJpeg('coffee.png', 39.9);
  console.log(`peak RSS, one 40 MP cartoonize to 2048 px in a fresh process: ${peakRss(fortyMp)}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
