// Builds the real Lambda layer zips with `npm run build:layer` and checks what Lambda would
// get: Linux binaries for the right CPU, no symlinks, no AWS SDK, a size that fits, and a
// core that loads and works from /opt/nodejs/node_modules with nothing from this repo, its
// packages bundled for start-up (one file each) with their behaviour kept. Built into a folder
// of its own (--out), so builds that other jobs run in build/ meanwhile do not interfere.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import sharp from 'sharp';
import { openPromise } from 'yauzl';
import { EM_AARCH64, EM_X86_64, elfMachine } from '../support/elf';
import { photoPath } from '../support/fixtures';

const ROOT = path.resolve(__dirname, '..', '..');
const MB = 1024 * 1024;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

interface ZipEntry {
  readonly name: string;
  /** Unix mode from the upper half of the external attributes (yazl writes "made by" Unix). */
  readonly mode: number;
  readonly madeByUnix: boolean;
  readonly data: Buffer;
}

async function readZip(zipPath: string): Promise<ZipEntry[]> {
  const zip = await openPromise(zipPath, { lazyEntries: true });
  const entries: ZipEntry[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', resolve);
    zip.on('entry', (entry) => {
      zip
        .openReadStreamPromise(entry)
        .then(buffer)
        .then((data) => {
          entries.push({
            name: entry.fileName,
            mode: entry.externalFileAttributes >>> 16,
            madeByUnix: entry.versionMadeBy >> 8 === 3,
            data,
          });
          zip.readEntry();
        }, reject);
    });
    zip.readEntry();
  });
  return entries;
}

function buildLayer(out: string, ...args: string[]): string {
  const run = spawnSync('npm', ['run', 'build:layer', '--', '--out', out, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (run.status !== 0) {
    throw new Error(
      `build:layer ${args.join(' ')} failed (${run.status}):\n${run.stdout}\n${run.stderr}`,
    );
  }
  return run.stdout;
}

/** What the child process reports after cartoonizing through the unzipped layer. */
interface LayerRun {
  readonly width: number;
  readonly height: number;
  readonly format: string;
  readonly data: string;
  readonly core: string;
  readonly sharp: string;
  readonly nativeModules: string[];
  readonly libvips: string[];
  /** The JavaScript files that requiring the core loaded, relative to node_modules. */
  readonly jsAtInit: string[];
  /** Which of the built-ins that the layer loads when first used were loaded by then. */
  readonly lazyBuiltinsAtInit: string[];
}

// Runs as plain CommonJS in a child node: nothing here may come from the repo. From a file, not
// with -e, which loads node:crypto itself.
const CHILD_SCRIPT = `
const fs = require('node:fs');
const path = require('node:path');
const { cartoonize } = require('@cartoon-compute/core');
const jsAtInit = Object.keys(require.cache)
  .filter((file) => file !== __filename && /\\.c?js$/.test(file))
  .map((file) => path.relative(process.env.NODE_PATH, file))
  .sort();
const lazyBuiltinsAtInit = ['crypto', 'child_process', 'zlib', 'worker_threads'].filter((m) =>
  process.moduleLoadList.includes('NativeModule ' + m),
);
(async () => {
  const result = await cartoonize(fs.readFileSync(process.argv[2]));
  const core = require.resolve('@cartoon-compute/core');
  const maps = fs.readFileSync('/proc/self/maps', 'utf8').split('\\n');
  console.log(JSON.stringify({
    width: result.width,
    height: result.height,
    format: result.format,
    data: result.data.toString('base64'),
    core,
    sharp: require.resolve('sharp', { paths: [path.dirname(core)] }),
    nativeModules: Object.keys(require.cache).filter((file) => file.endsWith('.node')),
    libvips: [...new Set(maps.filter((l) => l.includes('libvips-cpp')).map((l) => l.slice(l.indexOf('/'))))],
    jsAtInit,
    lazyBuiltinsAtInit,
  }));
})().catch((err) => { console.error(err); process.exit(1); });
`;

// The Logger the core creates and the middleware the functions use come from one bundle: the
// middleware must still add the Lambda context to the core's logger.
const LOGGER_CHILD_SCRIPT = `
const { createLogger } = require('@cartoon-compute/core');
const { Logger } = require('@aws-lambda-powertools/logger');
const { injectLambdaContext } = require('@aws-lambda-powertools/logger/middleware');
const logger = createLogger({ serviceName: 'layer-test', variant: 'lambda-zip' });
const middleware = injectLambdaContext(logger);
const context = { functionName: 'api', memoryLimitInMB: '1769', invokedFunctionArn: 'arn', awsRequestId: 'req-1' };
Promise.resolve(middleware.before({ event: {}, context, internal: {} })).then(() => {
  logger.info('hello from the layer');
  console.error(JSON.stringify({ isLogger: logger instanceof Logger }));
});
`;

/** What the child process reports after decoding a HEIC through the unzipped layer. */
interface HeicRun {
  readonly loadedAtInit: string[];
  readonly loadedAfterHeic: string[];
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

// The HEIC decoder must come from the layer, and only once a HEIC arrives.
const HEIC_CHILD_SCRIPT = `
const fs = require('node:fs');
const core = require('@cartoon-compute/core');
const libheif = () => Object.keys(require.cache).filter((file) => file.includes('libheif'));
const loadedAtInit = libheif();
(async () => {
  const bytes = fs.readFileSync(process.argv[1]);
  const probe = await core.probeImage(bytes, 40e6);
  const pipeline = await core.openImage(bytes, probe, 40e6);
  const { info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  console.log(JSON.stringify({
    loadedAtInit,
    loadedAfterHeic: libheif(),
    width: info.width,
    height: info.height,
    channels: info.channels,
  }));
})().catch((err) => { console.error(err); process.exit(1); });
`;

describe('Lambda layer', () => {
  const buildOutput: Record<'arm64' | 'x64', string> = { arm64: '', x64: '' };
  let arm64: ZipEntry[] = [];
  let x64: ZipEntry[] = [];
  let out = '';

  beforeAll(async () => {
    out = mkdtempSync(path.join(tmpdir(), 'cartoon-layer-build-'));
    buildOutput.arm64 = buildLayer(out);
    buildOutput.x64 = buildLayer(out, '--arch', 'x64');
    arm64 = await readZip(path.join(out, 'layer-arm64.zip'));
    x64 = await readZip(path.join(out, 'layer-x64.zip'));
  }, 300_000);

  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('prints zipped and unzipped sizes, unzipped under 40 MB', () => {
    for (const arch of ['arm64', 'x64'] as const) {
      const match = buildOutput[arch].match(
        new RegExp(`layer ${arch}: \\S+ ([\\d.]+) MB zipped, ([\\d.]+) MB unzipped`),
      );
      expect(match).not.toBeNull();
      expect(Number(match?.[1])).toBeGreaterThan(1);
      expect(Number(match?.[2])).toBeLessThan(40);
      expect(buildOutput[arch]).toContain('core, Logger and sharp bundled for start-up');
    }
  });

  it('holds sharp for linux arm64 only, as aarch64 ELF', () => {
    const names = arm64.map((entry) => entry.name);
    const native = arm64.find((e) =>
      /^nodejs\/node_modules\/@img\/sharp-linux-arm64\/lib\/[^/]+\.node$/.test(e.name),
    );
    const libvips = arm64.find((e) =>
      /^nodejs\/node_modules\/@img\/sharp-libvips-linux-arm64\/lib\/libvips-cpp\.so[.\d]*$/.test(
        e.name,
      ),
    );
    expect(native && elfMachine(native.data)).toBe(EM_AARCH64);
    expect(libvips && elfMachine(libvips.data)).toBe(EM_AARCH64);

    const machines = new Set(
      arm64.map((entry) => elfMachine(entry.data)).filter((m) => m !== undefined),
    );
    expect([...machines]).toEqual([EM_AARCH64]);
    expect(names.filter((name) => /x64|x86|darwin|win32|musl/.test(name))).toEqual([]);
  });

  it('holds x64 ELF in the x64 layer', () => {
    const machines = new Set(
      x64.map((entry) => elfMachine(entry.data)).filter((m) => m !== undefined),
    );
    expect([...machines]).toEqual([EM_X86_64]);
    expect(x64.some((entry) => entry.name.includes('@img/sharp-linux-x64/'))).toBe(true);
  });

  it('has only regular files under nodejs/node_modules, no symlinks', () => {
    for (const entries of [arm64, x64]) {
      expect(entries.length).toBeGreaterThan(50);
      const irregular = entries.filter(
        (e) => !e.madeByUnix || (e.mode & S_IFMT) !== S_IFREG || (e.mode & 0o444) !== 0o444,
      );
      expect(irregular.map((e) => `${e.name} ${e.mode.toString(8)}`)).toEqual([]);
      expect(entries.filter((e) => !e.name.startsWith('nodejs/node_modules/'))).toEqual([]);
    }
  });

  it('holds the compiled core without sources, and no AWS SDK', () => {
    const names = arm64.map((entry) => entry.name);
    const core = 'nodejs/node_modules/@cartoon-compute/core/';
    expect(names).toContain(`${core}package.json`);
    expect(names).toContain(`${core}dist/index.js`);
    expect(names).toContain(`${core}dist/cartoonize.js`);
    expect(names).toContain(`${core}layer-bundle.cjs`);
    expect(names.filter((name) => name.startsWith(core) && !/\.(c?js|json)$/.test(name))).toEqual(
      [],
    );
    expect(names.filter((name) => /\.(ts|mts|cts)$/.test(name))).toEqual([]);
    expect(names.filter((name) => name.includes('@aws-sdk'))).toEqual([]);
  });

  it('holds the one libheif build the core loads, not the other three', () => {
    for (const entries of [arm64, x64]) {
      const names = entries.map((entry) => entry.name);
      const modules = 'nodejs/node_modules/';
      expect(names).toContain(`${modules}libheif-js/wasm-bundle.js`);
      const bundle = entries.find(
        (e) => e.name === `${modules}libheif-js/libheif-wasm/libheif-bundle.js`,
      );
      // The WebAssembly module is embedded as base64 ("\0asm" encodes as "AGFzbQ").
      expect(bundle?.data.includes('AGFzbQ')).toBe(true);
      expect(
        names.filter((name) => name.includes('libheif') && /libheif\.(js|wasm)$|\.mjs$/.test(name)),
      ).toEqual([]);
    }
  });

  it('is under 40 MB unzipped', () => {
    for (const entries of [arm64, x64]) {
      const bytes = entries.reduce((sum, entry) => sum + entry.data.length, 0);
      expect(bytes).toBeGreaterThan(10 * MB);
      expect(bytes).toBeLessThan(40 * MB);
    }
  });

  describe('unzipped as /opt', () => {
    let tmp = '';
    let modules = '';

    beforeAll(() => {
      tmp = realpathSync(mkdtempSync(path.join(tmpdir(), 'cartoon-layer-e2e-')));
      modules = path.join(tmp, 'opt', 'nodejs', 'node_modules');
      for (const entry of x64) {
        const file = path.join(tmp, 'opt', entry.name);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, entry.data, { mode: entry.mode & 0o777 });
      }
    });

    afterAll(() => {
      rmSync(tmp, { recursive: true, force: true });
    });

    it('loads the core and sharp from the layer and cartoonizes a photo', async () => {
      expect(tmp.startsWith(ROOT)).toBe(false);
      const script = path.join(tmp, 'child.cjs');
      writeFileSync(script, CHILD_SCRIPT);
      const child = spawnSync(process.execPath, [script, photoPath('rocket.jpg')], {
        cwd: tmp,
        env: { PATH: process.env.PATH, NODE_PATH: modules },
        encoding: 'utf8',
        maxBuffer: 64 * MB,
      });
      expect(child.stderr).toBe('');
      expect(child.status).toBe(0);
      const run = JSON.parse(child.stdout) as LayerRun;

      expect(run.core).toBe(path.join(modules, '@cartoon-compute', 'core', 'dist', 'index.js'));
      expect(run.sharp.startsWith(`${modules}${path.sep}sharp${path.sep}`)).toBe(true);
      expect(run.nativeModules.map((file) => path.dirname(file))).toEqual([
        path.join(modules, '@img', 'sharp-linux-x64', 'lib'),
      ]);
      expect(run.libvips.length).toBe(1);
      // One file per package: the core, the Logger and sharp each bundled, sharp without the
      // install-time helpers (libvips.cjs, semver) it would otherwise load.
      expect(run.jsAtInit).toEqual([
        '@aws-lambda-powertools/logger/layer-bundle.cjs',
        '@aws-lambda-powertools/logger/lib/cjs/index.js',
        '@cartoon-compute/core/dist/index.js',
        '@cartoon-compute/core/layer-bundle.cjs',
        '@img/sharp-linux-x64/index.cjs',
        'sharp/dist/index.cjs',
      ]);
      // Built-ins that only some paths use (the Logger's sampling, detect-libc's last resort,
      // PNG checks, the helper thread) are not loaded by init.
      expect(run.lazyBuiltinsAtInit).toEqual([]);
      expect(
        run.libvips[0]?.startsWith(path.join(modules, '@img', 'sharp-libvips-linux-x64')),
      ).toBe(true);

      // rocket.jpg is 640×427, under the default maxSide, so the size is kept.
      expect([run.width, run.height, run.format]).toEqual([640, 427, 'jpeg']);
      const jpeg = Buffer.from(run.data, 'base64');
      expect(jpeg.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
      const metadata = await sharp(jpeg).metadata();
      expect([metadata.format, metadata.width, metadata.height]).toEqual(['jpeg', 640, 427]);
    });

    it("gives the core's logger the Lambda context through the Logger's middleware", () => {
      const child = spawnSync(process.execPath, ['-e', LOGGER_CHILD_SCRIPT], {
        cwd: tmp,
        env: { PATH: process.env.PATH, NODE_PATH: modules },
        encoding: 'utf8',
      });
      expect(child.status).toBe(0);
      expect(JSON.parse(child.stderr)).toEqual({ isLogger: true });
      const line = JSON.parse(child.stdout) as Record<string, unknown>;
      expect(line).toMatchObject({
        level: 'INFO',
        message: 'hello from the layer',
        service: 'layer-test',
        variant: 'lambda-zip',
        function_name: 'api',
        function_request_id: 'req-1',
      });
    });

    it('decodes a HEIC with libheif from the layer, loaded on the first HEIC only', () => {
      const heic = path.join(ROOT, 'test', 'fixtures', 'heic', 'rocket-irot90.heic');
      const child = spawnSync(process.execPath, ['-e', HEIC_CHILD_SCRIPT, heic], {
        cwd: tmp,
        env: { PATH: process.env.PATH, NODE_PATH: modules },
        encoding: 'utf8',
      });
      expect(child.status).toBe(0);
      const run = JSON.parse(child.stdout) as HeicRun;
      expect(run.loadedAtInit).toEqual([]);
      expect(run.loadedAfterHeic).toEqual([
        path.join(modules, 'libheif-js', 'wasm-bundle.js'),
        path.join(modules, 'libheif-js', 'libheif-wasm', 'libheif-bundle.js'),
      ]);
      // 640x427 turned a quarter by irot; no alpha, so three channels.
      expect([run.width, run.height, run.channels]).toEqual([427, 640, 3]);
    });
  });
});
