/**
 * `npm run bench:init`: what a cold start of each function costs, against the trivial
 * function (loadtest/baseline/hello.js) measured in the same run, taking turns with it.
 *
 *   npm run bench:init                          # builds the functions afresh, 15 rounds
 *   npm run bench:init -- --runs 30
 *   npm run bench:init -- --build esm           # an alternative build, to compare (see BUILDS)
 *   npm run bench:init -- --node-options=--enable-source-maps
 *   npm run bench:init -- --compile-cache       # with a V8 compile cache made beforehand
 *   npm run bench:init -- --functions build/functions   # the artifacts as they are
 *
 * Each run is one fresh Node process laid out as a Lambda environment (the bundle in its task
 * root, the layer's node_modules on NODE_PATH: run `npm run build:layer -- --arch x64` on
 * x86_64 first), one at a time. It prints, per function: Init Duration (spawn to handler
 * loaded), the first and a warm invocation of the same request (`POST /cartoon` at the load
 * test's smoke size for api, `GET /hello` for the trivial function; process and queue need
 * S3 for theirs, so only their init is measured), the cold-start penalty (init + first −
 * warm, as the load test computes it from cold and warm latency) and the files and bytes of
 * JavaScript init loaded. Medians with min-max; ratios against the trivial function's
 * medians of the same run.
 */
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { BuildOptions } from 'esbuild';
import sharp from 'sharp';
import { median } from '../../loadtest/stats';
import { bundleFunction, FUNCTIONS, type FunctionName } from '../../scripts/build-functions';
import { type ColdStart, lambdaLikeEnv, measureColdStart } from '../support/cold-start';
import { photo } from '../support/fixtures';
import { httpApiEvent } from '../support/lambda-events';

const ROOT = path.resolve(__dirname, '..', '..');
const HELLO_ROOT = path.join(ROOT, 'loadtest', 'baseline');

/**
 * Builds to compare with the deployed one (`deployed`, scripts/build-functions.ts as it is).
 * Each is the deployed build with one thing changed.
 */
const BUILDS: Record<string, { readonly about: string; readonly options: BuildOptions }> = {
  deployed: { about: 'scripts/build-functions.ts as it is', options: {} },
  esm: {
    about:
      'ES module output (index.js in a "type": "module" folder); the layer reached through node_modules, not NODE_PATH',
    options: {
      format: 'esm',
      banner: {
        js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
      },
    },
  },
  'cjs-deps': {
    about: "dependencies' CommonJS builds (mainFields main first): no tree-shaking",
    options: { mainFields: ['main', 'module'] },
  },
  unminified: { about: 'not minified', options: { minify: false } },
};

function parse() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '15' },
      build: { type: 'string', default: 'deployed' },
      functions: { type: 'string' },
      layer: { type: 'string' },
      'node-options': { type: 'string', default: '' },
      'compile-cache': { type: 'boolean', default: false },
      'image-side': { type: 'string', default: '320' },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer`);
  const build = BUILDS[values.build];
  if (!build) throw new Error(`--build must be one of ${Object.keys(BUILDS).join(', ')}`);
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
  const layer = path.resolve(values.layer ?? path.join(ROOT, 'build', 'layer', arch));
  const layerModules = path.join(layer, 'nodejs', 'node_modules');
  if (!existsSync(layerModules)) {
    throw new Error(`no layer at ${layer}: run npm run build:layer -- --arch ${arch} first`);
  }
  return {
    runs,
    buildName: values.build,
    build,
    functions: values.functions ? path.resolve(values.functions) : undefined,
    layerModules,
    nodeOptions: values['node-options'],
    compileCache: values['compile-cache'],
    imageSide: Number(values['image-side']),
  };
}

type Target = { name: 'hello' | FunctionName; file: string; eventFile?: string };

async function events(dir: string, imageSide: number) {
  const image = await sharp(photo('kite.jpg'))
    .resize(imageSide, imageSide, { fit: 'inside' })
    .jpeg({ quality: 85 })
    .toBuffer();
  const cartoon = path.join(dir, 'post-cartoon.json');
  const hello = path.join(dir, 'get-hello.json');
  const query = `style=classic&maxSide=${imageSide}`;
  writeFileSync(
    cartoon,
    JSON.stringify(
      httpApiEvent({
        method: 'POST',
        url: `/cartoon?${query}`,
        headers: { 'content-type': 'image/jpeg' },
        body: image,
      }),
    ),
  );
  writeFileSync(hello, JSON.stringify(httpApiEvent({ method: 'GET', url: '/hello' })));
  return { cartoon, hello };
}

async function targets(options: ReturnType<typeof parse>, scratch: string): Promise<Target[]> {
  const { cartoon, hello } = await events(scratch, options.imageSide);
  const helloRoot = path.join(scratch, 'hello');
  cpSync(HELLO_ROOT, helloRoot, { recursive: true });
  const list: Target[] = [
    { name: 'hello', file: path.join(helloRoot, 'hello.js'), eventFile: hello },
  ];
  const esm = options.build.options.format === 'esm';
  for (const name of FUNCTIONS) {
    let dir = options.functions ? path.join(options.functions, name) : path.join(scratch, name);
    if (!options.functions) {
      await bundleFunction(name, dir, options.build.options);
      // ES modules ignore NODE_PATH: the layer is found through a node_modules folder instead.
      if (esm) {
        symlinkSync(options.layerModules, path.join(dir, 'node_modules'));
        writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
      }
    }
    dir = path.resolve(dir);
    list.push({
      name,
      file: path.join(dir, 'index.js'),
      ...(name === 'api' ? { eventFile: cartoon } : {}),
    });
  }
  return list;
}

function envFor(target: Target, options: ReturnType<typeof parse>, cacheDir: string) {
  return lambdaLikeEnv({
    layerModules: options.layerModules,
    taskRoot: path.dirname(target.file),
    functionName: target.name,
    extra: {
      ...(options.nodeOptions ? { NODE_OPTIONS: options.nodeOptions } : {}),
      ...(options.compileCache
        ? { NODE_COMPILE_CACHE: cacheDir, NODE_COMPILE_CACHE_PORTABLE: '1' }
        : {}),
    },
  });
}

const f = (ms: number) => ms.toFixed(1);
const spread = (values: number[]) =>
  `${f(median(values))} (${f(Math.min(...values))}-${f(Math.max(...values))})`;

/** Cold minus warm latency of the same request: init, plus what the first request costs more. */
function penalty(run: ColdStart): number {
  return run.initMs + (run.first?.ms ?? 0) - (run.warm?.ms ?? 0);
}

/** The same in CPU time (all threads), which contention on a shared machine does not inflate. */
function cpuPenalty(run: ColdStart): number {
  return run.initCpuMs + (run.first?.cpuMs ?? 0) - (run.warm?.cpuMs ?? 0);
}

async function main(): Promise<void> {
  const options = parse();
  const scratch = mkdtempSync(path.join(tmpdir(), 'bench-init-'));
  try {
    const list = await targets(options, scratch);
    const cacheDir = path.join(scratch, 'compile-cache');
    if (options.compileCache) {
      // Made beforehand, as a build would ship it, by one start of each.
      for (const target of list)
        await measureColdStart({ ...target, env: envFor(target, options, cacheDir) });
    }
    const runs = new Map<string, ColdStart[]>(list.map((t) => [t.name, []]));
    for (let round = 0; round < options.runs; round++) {
      // Rotated each round, so no function always follows another.
      const order = list.map((_, i) => list[(i + round) % list.length] as Target);
      for (const target of order) {
        const run = await measureColdStart({ ...target, env: envFor(target, options, cacheDir) });
        if (run.first && run.first.status !== 200) {
          throw new Error(`${target.name} answered ${run.first.status}`);
        }
        runs.get(target.name)?.push(run);
      }
    }
    report(options, list, runs);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function report(
  options: ReturnType<typeof parse>,
  list: Target[],
  runs: Map<string, ColdStart[]>,
): void {
  const hello = runs.get('hello') ?? [];
  const base = {
    init: median(hello.map((r) => r.initMs)),
    initCpu: median(hello.map((r) => r.initCpuMs)),
    penalty: median(hello.map(penalty)),
    penaltyCpu: median(hello.map(cpuPenalty)),
  };
  console.log(
    `build: ${options.buildName} (${options.build.about})${options.functions ? `, artifacts from ${options.functions}` : ''}; layer: ${path.relative(ROOT, path.dirname(path.dirname(options.layerModules))) || '.'}`,
  );
  console.log(
    `node ${process.version} ${process.arch}, ${availableParallelism()} CPUs, load average ${loadavg()[0]?.toFixed(1)}; NODE_OPTIONS=${options.nodeOptions || '(none)'}; compile cache ${options.compileCache ? 'made beforehand' : 'off'}; ${options.runs} cold starts each, one at a time`,
  );
  console.log(
    "medians (min-max) in ms; ×trivial: median over the trivial function's median; CPU: user + system time of the process, all threads",
  );
  const ratio = (value: number, of: number) => `${(value / of).toFixed(2)}x`;
  const rows = list.map((target) => {
    const all = runs.get(target.name) ?? [];
    const first = all[0];
    const jsBytes = (first?.initFiles ?? [])
      .filter((file) => /\.[cm]?js$/.test(file.file))
      .reduce((sum, file) => sum + file.bytes, 0);
    const invoked = all.every((r) => r.first && r.warm);
    const init = all.map((r) => r.initMs);
    const initCpu = all.map((r) => r.initCpuMs);
    return {
      function: target.name,
      init: `${spread(init)} ${ratio(median(init), base.init)}`,
      'init CPU': `${spread(initCpu)} ${ratio(median(initCpu), base.initCpu)}`,
      'first / warm': invoked
        ? `${f(median(all.map((r) => r.first?.ms ?? 0)))} / ${f(median(all.map((r) => r.warm?.ms ?? 0)))}`
        : '-',
      penalty: invoked
        ? `${spread(all.map(penalty))} ${ratio(median(all.map(penalty)), base.penalty)}`
        : '-',
      'penalty CPU': invoked
        ? `${f(median(all.map(cpuPenalty)))} ${ratio(median(all.map(cpuPenalty)), base.penaltyCpu)}`
        : '-',
      'files / JS KB at init': `${first?.initFiles.length ?? 0} / ${Math.round(jsBytes / 1024)}`,
    };
  });
  console.table(rows);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
