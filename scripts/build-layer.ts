/**
 * Builds the Lambda layer that carries the cartoon core and sharp, and zips it.
 *
 *   npm run build:layer                  # build/layer/arm64 and build/layer-arm64.zip
 *   npm run build:layer -- --arch x64    # linux x64, for running the layer locally
 *
 * Every function variant takes the core and its native dependency from this one layer, so
 * the layer must hold exactly the runtime files for Lambda's Linux (glibc) on the chosen
 * CPU: sharp's prebuilt binaries for that target, installed here with npm's --cpu/--os/--libc
 * whatever this machine is; the compiled core without sources, types or maps; no AWS SDK,
 * which the runtime and the function bundles provide; and no symlinks, which Lambda zips
 * cannot hold. Lambda puts a layer under /opt and /opt/nodejs/node_modules on NODE_PATH,
 * hence the `nodejs/node_modules` root.
 *
 * The packages every function loads at init are then bundled for start-up, in place (see
 * `bundleForStartUp`): `npm run bench:init` measures what that saves, and
 * `npm run build:layer -- --unbundled` builds the layer without it, to compare.
 *
 *   npm run build:layer -- --out /tmp/layer   # elsewhere than build/ (a layer folder and zip)
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundlePackage } from './lib/package-bundle';
import { bundleSharp } from './lib/sharp-start-up';
import { megabytes, zipDirectory } from './lib/zip';

const ARCHES = ['arm64', 'x64'] as const;
type Arch = (typeof ARCHES)[number];

/** Lambda's limit is 250 MB for function and layers together; this leaves room for both. */
const MAX_UNZIPPED_MB = 40;

const ROOT = path.resolve(__dirname, '..');
const CORE_DIR = path.join(ROOT, 'layers', 'core');
const CORE_NAME = '@cartoon-compute/core';

/**
 * libheif-js ships four builds of one library; heic.ts loads only `wasm-bundle.js` (the
 * WebAssembly embedded in CommonJS). The asm.js build, the ES
 * module twin and the separate .wasm build are 6.5 MB that nothing loads.
 */
const UNLOADED_FILES = [
  'libheif-js/libheif/libheif.js',
  'libheif-js/libheif-wasm/libheif-bundle.mjs',
  'libheif-js/libheif-wasm/libheif.js',
  'libheif-js/libheif-wasm/libheif.wasm',
].map((file) => path.join(...file.split('/')));

/** Files nothing reads at run time. Licence files stay: the licences require them. */
function isDevFile(file: string): boolean {
  if (UNLOADED_FILES.some((unloaded) => file.endsWith(`${path.sep}${unloaded}`))) return true;
  const name = path.basename(file);
  if (['.bin', 'test', 'tests', '__tests__', '.package-lock.json'].includes(name)) return true;
  if (/\.d\.[cm]?ts$|\.map$|\.(cc|h|gyp)$/.test(name)) return true;
  return /\.(md|markdown)$/i.test(name) && !/^licen[cs]e/i.test(name);
}

function parseOptions(): { arch: Arch; out: string; bundled: boolean } {
  const { values } = parseArgs({
    options: {
      arch: { type: 'string', default: 'arm64' },
      out: { type: 'string', default: path.join(ROOT, 'build') },
      unbundled: { type: 'boolean', default: false },
    },
  });
  const arch = ARCHES.find((a) => a === values.arch);
  if (!arch) throw new Error(`--arch must be one of ${ARCHES.join(', ')}, got ${values.arch}`);
  return { arch, out: path.resolve(values.out), bundled: !values.unbundled };
}

/** Through npm, so the layer is compiled exactly as every other consumer of the core. */
function buildCore(): void {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

/**
 * Copies the core's package.json and compiled JavaScript. Only outputs whose source still
 * exists are taken, because tsc never deletes the output of a removed or renamed module.
 */
function copyCore(modulesDir: string): void {
  const target = path.join(modulesDir, CORE_NAME);
  const dist = path.join(CORE_DIR, 'dist');
  mkdirSync(target, { recursive: true });
  cpSync(path.join(CORE_DIR, 'package.json'), path.join(target, 'package.json'));
  cpSync(dist, path.join(target, 'dist'), {
    recursive: true,
    filter: (file) => {
      if (statSync(file).isDirectory()) return !isDevFile(file);
      const source = path.join(CORE_DIR, 'src', path.relative(dist, file)).replace(/\.js$/, '.ts');
      return file.endsWith('.js') && !/\.(test|spec)\.js$/.test(file) && existsSync(source);
    },
  });
}

/**
 * Installs the core's runtime dependencies for Linux on `arch` in a scratch directory, away
 * from the workspace, so that npm neither hoists nor reuses the binaries built for this
 * machine. Install scripts are off: they would run here, for the wrong platform.
 */
function installDependencies(arch: Arch, modulesDir: string): void {
  const corePackage = JSON.parse(readFileSync(path.join(CORE_DIR, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const scratch = mkdtempSync(path.join(tmpdir(), 'cartoon-layer-'));
  try {
    const manifest = { private: true, dependencies: corePackage.dependencies ?? {} };
    writeFileSync(path.join(scratch, 'package.json'), JSON.stringify(manifest));
    execFileSync(
      'npm',
      [
        'install',
        '--omit=dev',
        '--no-package-lock',
        `--cpu=${arch}`,
        '--os=linux',
        '--libc=glibc',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
      ],
      { cwd: scratch, stdio: 'inherit' },
    );
    // dereference: Lambda zips cannot hold symlinks, so any link becomes a copy of its target.
    cpSync(path.join(scratch, 'node_modules'), modulesDir, {
      recursive: true,
      dereference: true,
      filter: (file) => !isDevFile(file),
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * What init loads from the layer, each package made one file its entries share: sharp's
 * JavaScript without its install-time helpers (scripts/lib/sharp-start-up.ts), the Powertools
 * Logger with its commons, and the compiled core. Each stays a package of its own, found by
 * name as before, so the function bundles and the fargate server need no change, and modules
 * two entries share (the core's errors, the Logger class) still exist once. Measured with
 * `npm run bench:init` (README, "Cold starts").
 */
export async function bundleForStartUp(modulesDir: string): Promise<void> {
  await bundleSharp(path.join(modulesDir, 'sharp'));
  // crypto only samples debug logs: about 8-11 ms of CPU at every start otherwise.
  await bundlePackage(path.join(modulesDir, '@aws-lambda-powertools', 'logger'), {
    inline: ['@aws-lambda-powertools/commons', '@aws/lambda-invoke-store'],
    lazyBuiltins: ['crypto'],
  });
  // zlib checks PNG chunks, worker_threads starts the helper on a photo: neither at init.
  await bundlePackage(path.join(modulesDir, ...CORE_NAME.split('/')), {
    lazyBuiltins: ['zlib', 'worker_threads'],
  });
}

async function main(): Promise<void> {
  const { arch, out, bundled } = parseOptions();
  const layerDir = path.join(out, 'layer', arch);
  const modulesDir = path.join(layerDir, 'nodejs', 'node_modules');
  const zipPath = path.join(out, `layer-${arch}.zip`);
  rmSync(layerDir, { recursive: true, force: true });
  rmSync(zipPath, { force: true });
  mkdirSync(modulesDir, { recursive: true });

  buildCore();
  installDependencies(arch, modulesDir);
  copyCore(modulesDir);
  if (bundled) await bundleForStartUp(modulesDir);
  const unzippedBytes = await zipDirectory(layerDir, zipPath);

  const zipped = megabytes(statSync(zipPath).size);
  console.log(
    `layer ${arch}: ${path.relative(ROOT, zipPath)} ${zipped} MB zipped, ${megabytes(unzippedBytes)} MB unzipped; ${bundled ? 'core, Logger and sharp bundled for start-up' : 'unbundled'}`,
  );
  if (unzippedBytes > MAX_UNZIPPED_MB * 1024 * 1024) {
    throw new Error(`layer is over ${MAX_UNZIPPED_MB} MB unzipped`);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
