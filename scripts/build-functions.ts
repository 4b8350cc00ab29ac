/**
 * Bundles each Lambda function with esbuild and zips it:
 *
 *   npm run build:functions      # build/functions/<name>.zip, each with index.js and its map
 *
 * The core and sharp come from the layer (`npm run build:layer`), and so does the
 * Powertools Logger the core is built on: all three stay out of the bundle. The S3 client,
 * middy and the handlers' own code are bundled, tree-shaken and minified, so each function
 * zip stays small and loads fast. Source maps go in the zip; `NODE_OPTIONS=--enable-source-maps`
 * (set in serverless.yml) makes stack traces point at the TypeScript.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { megabytes, zipDirectory } from './lib/zip';

const ROOT = path.resolve(__dirname, '..');
export const FUNCTIONS = ['api', 'process', 'queue'] as const;
/** Target from issue #3: each function's own zip under 1 MB. */
const MAX_ZIP_BYTES = 1024 * 1024;

/**
 * The core's main entry is the layer's; its `/s3` entry is bundled from source with the SDK
 * (it reaches the layer's errors through the package name, so `instanceof` still holds).
 */
export const fromLayer: Plugin = {
  name: 'from-layer',
  setup(context) {
    context.onResolve(
      { filter: /^(@cartoon-compute\/core|sharp|@aws-lambda-powertools\/logger(\/.*)?)$/ },
      (args) => ({
        path: args.path,
        external: true,
      }),
    );
  },
};

async function bundle(name: string): Promise<void> {
  const outDir = path.join(ROOT, 'build', 'functions', name);
  const zipPath = path.join(ROOT, 'build', 'functions', `${name}.zip`);
  rmSync(outDir, { recursive: true, force: true });
  rmSync(zipPath, { force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [path.join(ROOT, 'services', name, 'handler.ts')],
    outfile: path.join(outDir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    plugins: [fromLayer],
    logLevel: 'warning',
  });
  const unzipped = await zipDirectory(outDir, zipPath);
  const zipped = statSync(zipPath).size;
  console.log(
    `function ${name}: ${path.relative(ROOT, zipPath)} ${megabytes(zipped)} MB zipped, ${megabytes(unzipped)} MB unzipped`,
  );
  if (zipped > MAX_ZIP_BYTES) throw new Error(`function ${name} is over 1 MB zipped`);
}

async function main(): Promise<void> {
  for (const name of FUNCTIONS) await bundle(name);
}

// Only when run as a script: build-containers.ts imports fromLayer from here.
if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
