/**
 * Bundles each Lambda function with esbuild and zips it:
 *
 *   npm run build:functions      # build/functions/<name>.zip, each with index.js and its map
 *
 * The core and sharp come from the layer (`npm run build:layer`), and so does the
 * Powertools Logger the core is built on: all three stay out of the bundle. The rest is
 * bundled for start-up, as `npm run bench:init` measured (see the README, "Cold starts"):
 *
 * - Only what init needs is in index.js. A module the code loads on first use with a
 *   `require` at call time (services/shared/s3-access.ts: the AWS SDK, for the api function's
 *   S3 routes) becomes a file of its own beside it, read only when first required.
 * - ES module builds of dependencies are preferred (`mainFields`), so unused SDK code is
 *   tree-shaken away; the output is minified CommonJS, which the runtime loads with no ESM
 *   loader and which finds the layer on NODE_PATH.
 * - Built-ins that only some routes use (LAZY_BUILTINS) load when first used.
 * - Source maps go in the zip, but `--enable-source-maps` is not asked for: it parses every
 *   map at load time, a cost every cold start would pay for the rare stack trace. Traces
 *   point at index.js; the .map beside it maps them back to the TypeScript.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild';
import { lazyBuiltins } from './lib/lazy-builtins';
import { megabytes, zipDirectory } from './lib/zip';

const ROOT = path.resolve(__dirname, '..');
export const FUNCTIONS = ['api', 'process', 'queue'] as const;
export type FunctionName = (typeof FUNCTIONS)[number];
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

/**
 * Modules loaded on first use, by name (`require('./s3-access')`), each built into a file of
 * its own next to index.js. Everything they import goes into that file, not into index.js.
 */
export const ON_DEMAND_MODULES = {
  's3-access': path.join(ROOT, 'services', 'shared', 's3-access.ts'),
} as const;

/** Keeps on-demand modules out of the bundle that requires them: they load from their own file. */
export const onDemandFiles: Plugin = {
  name: 'on-demand-files',
  setup(context) {
    const names = Object.keys(ON_DEMAND_MODULES).join('|');
    context.onResolve({ filter: new RegExp(`^\\./(${names})$`) }, (args) =>
      args.kind === 'require-call'
        ? { path: `${args.path}.js`, external: true }
        : {
            errors: [
              {
                text: `${args.path} is loaded on demand: require it at call time, do not import it`,
              },
            ],
          },
    );
  },
};

/**
 * Built-ins the handlers import for some routes only (crypto: `POST /uploads` ids, the page's
 * hashes), loaded when first used rather than at init (scripts/lib/lazy-builtins.ts).
 */
export const LAZY_BUILTINS = ['crypto'] as const;

/**
 * The esbuild options of one function bundle; `overrides` is for measuring alternatives
 * (test/bench/init.bench.ts), not for the deployed build.
 *
 * @example
 * ```ts
 * await build(functionBuildOptions('services/api/handler.ts', 'build/functions/api/index.js'));
 * ```
 */
export function functionBuildOptions(
  entry: string,
  outfile: string,
  overrides: BuildOptions = {},
): BuildOptions & { metafile: true } {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    // ES module builds first: esbuild can drop what is not used from them, not from CommonJS.
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    legalComments: 'none',
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    plugins: [fromLayer, onDemandFiles, lazyBuiltins(LAZY_BUILTINS)],
    logLevel: 'warning',
    ...overrides,
    metafile: true,
  };
}

/** The on-demand files an output requires (`./s3-access.js`), by module name. */
function onDemandImports(metafile: Metafile): (keyof typeof ON_DEMAND_MODULES)[] {
  const required = Object.values(metafile.outputs).flatMap((output) =>
    output.imports.filter((i) => i.external).map((i) => i.path),
  );
  return (Object.keys(ON_DEMAND_MODULES) as (keyof typeof ON_DEMAND_MODULES)[]).filter((name) =>
    required.includes(`./${name}.js`),
  );
}

/**
 * Bundles one function into `outDir` (index.js, the on-demand files it requires, their maps).
 * Returns the files written, relative to `outDir`.
 *
 * @example
 * ```ts
 * await bundleFunction('api', '/tmp/api'); // ['index.js', 'index.js.map', 's3-access.js', …]
 * ```
 */
export async function bundleFunction(
  name: FunctionName,
  outDir: string,
  overrides: BuildOptions = {},
): Promise<string[]> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const entry = path.join(ROOT, 'services', name, 'handler.ts');
  const main = await build(functionBuildOptions(entry, path.join(outDir, 'index.js'), overrides));
  const files = ['index.js'];
  const pending = onDemandImports(main.metafile);
  for (const module of pending) {
    const file = `${module}.js`;
    const result = await build(
      functionBuildOptions(ON_DEMAND_MODULES[module], path.join(outDir, file), overrides),
    );
    files.push(file);
    for (const further of onDemandImports(result.metafile)) {
      if (!pending.includes(further)) pending.push(further);
    }
  }
  return files;
}

async function main(): Promise<void> {
  for (const name of FUNCTIONS) {
    const outDir = path.join(ROOT, 'build', 'functions', name);
    const zipPath = path.join(ROOT, 'build', 'functions', `${name}.zip`);
    rmSync(zipPath, { force: true });
    const files = await bundleFunction(name, outDir);
    const unzipped = await zipDirectory(outDir, zipPath);
    const zipped = statSync(zipPath).size;
    console.log(
      `function ${name}: ${path.relative(ROOT, zipPath)} ${megabytes(zipped)} MB zipped, ${megabytes(unzipped)} MB unzipped (${files.join(', ')})`,
    );
    if (zipped > MAX_ZIP_BYTES) throw new Error(`function ${name} is over 1 MB zipped`);
  }
}

// Only when run as a script: build-containers.ts imports fromLayer from here.
if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
