/**
 * Stages the exact Docker build context of each container image, with no Docker engine:
 *
 *   npm run build:containers              # build/containers/{lambda-image,fargate,fargate-x86_64}
 *   npm run build:containers -- --rebuild # rebuild the layers and functions first, stale or not
 *
 * The CDK app points its DockerImageAssets at these three directories. Each holds its
 * Dockerfile and exactly the files it copies, nothing to install or compile at `docker build`:
 *
 * - `lambda-image/`: the lambda-zip function bundles (build/functions/<name>/) and the arm64
 *   layer's node_modules, so both Lambda variants run the very same artifact.
 * - `fargate/` (arm64) and `fargate-x86_64/` (Fargate Spot runs x86_64 only): `server.js`, an
 *   esbuild bundle of services/fargate/main.ts with Fastify, sqs-consumer and the AWS SDK inside,
 *   and as node_modules the layer's (core, sharp for Linux glibc on that CPU, the Powertools
 *   Logger). Bundling leaves about 1 MB of JavaScript instead of a production node_modules of
 *   Fastify's and the SDK's many small packages, starts faster (one file to read), and keeps
 *   sharp's native binaries and the core where the layer build already put them for the
 *   target CPU, so every variant runs the same core files.
 *
 * The layers and function bundles are reused when they are newer than their sources, and built
 * with `npm run build:layer` / `npm run build:functions` otherwise. What it does not do: build or
 * push images (no engine here), or check the base images (no registry here).
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { FUNCTIONS, fromLayer } from './build-functions';
import { megabytes } from './lib/zip';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'build', 'containers');
const LAYER_ARCHES = { arm64: 'arm64', x64: 'x64' } as const;
type LayerArch = keyof typeof LAYER_ARCHES;

/** The fargate images: directory name, npm/Node CPU of its binaries, Docker platform. */
const FARGATE_IMAGES = [
  { dir: 'fargate', arch: 'arm64', platform: 'linux/arm64' },
  { dir: 'fargate-x86_64', arch: 'x64', platform: 'linux/amd64' },
] as const;

function run(command: string, args: string[]): void {
  console.log(`$ ${command} ${args.join(' ')}`);
  execFileSync(command, args, { cwd: ROOT, stdio: 'inherit' });
}

/** Newest modification time of any file under `paths`, in ms. */
function newest(...paths: string[]): number {
  let latest = 0;
  for (const entry of paths) {
    if (!existsSync(entry)) continue;
    const stat = statSync(entry);
    if (stat.isDirectory()) {
      for (const name of readdirSync(entry)) {
        if (name === 'node_modules' || name === 'dist') continue;
        latest = Math.max(latest, newest(path.join(entry, name)));
      }
    } else {
      latest = Math.max(latest, stat.mtimeMs);
    }
  }
  return latest;
}

/** Whether `output` exists and is no older than `sourcesMtime` (from `newest`, walked once). */
function isFresh(output: string, sourcesMtime: number): boolean {
  return existsSync(output) && statSync(output).mtimeMs >= sourcesMtime;
}

const CORE_SOURCES = [
  path.join(ROOT, 'layers', 'core', 'src'),
  path.join(ROOT, 'layers', 'core', 'package.json'),
  path.join(ROOT, 'scripts', 'build-layer.ts'),
];

function ensureLayer(arch: LayerArch, rebuild: boolean, coreMtime: number): string {
  const zip = path.join(ROOT, 'build', `layer-${arch}.zip`);
  if (rebuild || !isFresh(zip, coreMtime)) {
    run('npm', ['run', 'build:layer', '--', '--arch', LAYER_ARCHES[arch]]);
  } else {
    console.log(`layer ${arch}: ${path.relative(ROOT, zip)} is up to date`);
  }
  return path.join(ROOT, 'build', 'layer', arch, 'nodejs', 'node_modules');
}

function ensureFunctions(rebuild: boolean, coreMtime: number): void {
  // The bundles include the core's S3 store, compiled from its source.
  const sourcesMtime = Math.max(
    coreMtime,
    newest(path.join(ROOT, 'services'), path.join(ROOT, 'scripts', 'build-functions.ts')),
  );
  const stale = FUNCTIONS.some(
    (name) => !isFresh(path.join(ROOT, 'build', 'functions', `${name}.zip`), sourcesMtime),
  );
  if (rebuild || stale) run('npm', ['run', 'build:functions']);
  else console.log('functions: build/functions/*.zip are up to date');
}

/** The fargate server as one CommonJS file; the core, sharp and the Logger stay external. */
async function bundleServer(): Promise<string> {
  const outDir = path.join(ROOT, 'build', 'fargate');
  rmSync(outDir, { recursive: true, force: true });
  await build({
    entryPoints: [path.join(ROOT, 'services', 'fargate', 'main.ts')],
    outfile: path.join(outDir, 'server.js'),
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    plugins: [fromLayer],
    logLevel: 'warning',
  });
  return outDir;
}

/** A production manifest: what node_modules holds, and how the image starts. */
function productionPackage(dir: string, image: string): void {
  const core = JSON.parse(
    readFileSync(path.join(ROOT, 'layers', 'core', 'package.json'), 'utf8'),
  ) as { version: string; dependencies: Record<string, string> };
  const root = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  const manifest = {
    name: `cartoon-compute-${image}`,
    version: root.version,
    private: true,
    type: 'commonjs',
    main: 'server.js',
    scripts: { start: 'node server.js' },
    dependencies: { '@cartoon-compute/core': core.version, ...core.dependencies },
  };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

function fresh(dir: string): string {
  const target = path.join(OUT, dir);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  return target;
}

function stageLambdaImage(layerModules: string): string {
  const context = fresh('lambda-image');
  cpSync(
    path.join(ROOT, 'container', 'lambda-image', 'Dockerfile'),
    path.join(context, 'Dockerfile'),
  );
  for (const name of FUNCTIONS) {
    cpSync(path.join(ROOT, 'build', 'functions', name), path.join(context, 'functions', name), {
      recursive: true,
    });
  }
  cpSync(layerModules, path.join(context, 'layer', 'nodejs', 'node_modules'), {
    recursive: true,
  });
  return context;
}

function stageFargate(
  image: (typeof FARGATE_IMAGES)[number],
  serverDir: string,
  layerModules: string,
): string {
  const context = fresh(image.dir);
  const dockerfile = readFileSync(path.join(ROOT, 'container', 'fargate', 'Dockerfile'), 'utf8');
  const defaultPlatform = /^ARG PLATFORM=linux\/arm64$/m;
  if (!defaultPlatform.test(dockerfile)) {
    throw new Error('container/fargate/Dockerfile must declare ARG PLATFORM=linux/arm64');
  }
  writeFileSync(
    path.join(context, 'Dockerfile'),
    dockerfile.replace(defaultPlatform, `ARG PLATFORM=${image.platform}`),
  );
  for (const file of ['server.js', 'server.js.map']) {
    cpSync(path.join(serverDir, file), path.join(context, file));
  }
  productionPackage(context, image.dir);
  cpSync(layerModules, path.join(context, 'node_modules'), { recursive: true });
  return context;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rebuild: { type: 'boolean', default: false } } });
  const rebuild = values.rebuild ?? false;
  // Each source tree is walked once, whatever number of outputs it is compared with.
  const coreMtime = newest(...CORE_SOURCES);
  const layers = {
    arm64: ensureLayer('arm64', rebuild, coreMtime),
    x64: ensureLayer('x64', rebuild, coreMtime),
  };
  ensureFunctions(rebuild, coreMtime);
  const serverDir = await bundleServer();

  const contexts = [stageLambdaImage(layers.arm64)];
  for (const image of FARGATE_IMAGES) {
    contexts.push(stageFargate(image, serverDir, layers[image.arch]));
  }
  for (const context of contexts) {
    console.log(`context ${path.relative(ROOT, context)}: ${megabytes(bytesUnder(context))} MB`);
  }
  const server = statSync(path.join(serverDir, 'server.js')).size;
  console.log(`fargate server.js: ${megabytes(server)} MB`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
