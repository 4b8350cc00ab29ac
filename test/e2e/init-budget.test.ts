/**
 * Each function's init stays within a budget set from `npm run bench:init` (README, "Cold
 * starts"): what init loads (files, bytes of JavaScript) and what it costs in CPU time against
 * the trivial function, measured in the same test, in turns. Files and bytes do not depend on
 * the machine's load; CPU time, unlike the wall clock, barely does (other processes delay a
 * start, they do not make it do more work), and the ratio to the trivial function measured
 * alongside takes out the machine's speed.
 *
 * Budgets (2026-12-08, x86_64, 2 shared CPUs, load average 3-5, `npm run bench:init`): with the
 * layer's packages bundled for start-up (scripts/build-layer.ts) api loaded 10 files and 247 KB
 * of JavaScript and used 2.6-2.9x the trivial function's CPU at init; process and queue 10 files,
 * 641 KB, 4.2-5.6x. Before (the layer unbundled): 117 files, 663 KB, 3.9-4.2x for api. The
 * budgets leave room for a loaded machine's noise in the ratio, none for the unbundled layer's
 * files, for the AWS SDK in the api's init, or for built-ins the first request does not use.
 *
 * The layer is built afresh for this test (into its own folder): a build/layer left over from an
 * older build-layer.ts would measure that one instead.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleFunction, FUNCTIONS, type FunctionName } from '../../scripts/build-functions';
import { type ColdStart, lambdaLikeEnv, measureColdStart } from '../support/cold-start';

const ROOT = path.resolve(__dirname, '..', '..');
const ARCH = process.arch === 'arm64' ? 'arm64' : 'x64';
const RUNS = 5;

/** Per function: most files and KB of JavaScript init may load, most CPU × the trivial's. */
const BUDGET: Record<FunctionName, { files: number; kb: number; cpuRatio: number }> = {
  api: { files: 14, kb: 300, cpuRatio: 3.6 },
  process: { files: 14, kb: 700, cpuRatio: 6.5 },
  queue: { files: 14, kb: 700, cpuRatio: 6.5 },
};

/**
 * Built-ins that cost milliseconds to load and that a function's init does not need: the layer
 * and the bundles load them when first used (scripts/lib/lazy-builtins.ts). The S3 functions'
 * first request signs and checks S3 calls, so the SDK loads crypto and zlib at their init.
 */
const NOT_AT_INIT: Record<FunctionName, string[]> = {
  api: ['crypto', 'child_process', 'zlib', 'worker_threads'],
  process: ['child_process', 'worker_threads'],
  queue: ['child_process', 'worker_threads'],
};

jest.setTimeout(300_000);

let scratch: string;
let layerModules: string;
const runs = new Map<string, ColdStart[]>();

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
const jsKb = (run: ColdStart) =>
  run.initFiles.filter((f) => /\.[cm]?js$/.test(f.file)).reduce((sum, f) => sum + f.bytes, 0) /
  1024;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'init-budget-'));
  const build = path.join(scratch, 'build');
  const run = spawnSync('npm', ['run', 'build:layer', '--', '--arch', ARCH, '--out', build], {
    cwd: ROOT,
  });
  if (run.status !== 0) throw new Error(`build:layer failed: ${run.stderr}`);
  layerModules = path.join(build, 'layer', ARCH, 'nodejs', 'node_modules');
  cpSync(path.join(ROOT, 'loadtest', 'baseline'), path.join(scratch, 'hello'), { recursive: true });
  const targets = [{ name: 'hello', file: path.join(scratch, 'hello', 'hello.js') }];
  for (const name of FUNCTIONS) {
    await bundleFunction(name, path.join(scratch, name));
    targets.push({ name, file: path.join(scratch, name, 'index.js') });
  }
  for (let round = 0; round < RUNS; round++) {
    for (const target of targets) {
      const env = lambdaLikeEnv({
        layerModules,
        taskRoot: path.dirname(target.file),
        functionName: target.name,
      });
      const run = await measureColdStart({ file: target.file, env });
      runs.set(target.name, [...(runs.get(target.name) ?? []), run]);
    }
  }
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe.each(FUNCTIONS)('the %s function at init', (name) => {
  it('loads no more files and JavaScript than its budget', () => {
    const [run] = runs.get(name) ?? [];
    expect(run).toBeDefined();
    expect(run?.initFiles.length).toBeLessThanOrEqual(BUDGET[name].files);
    expect(jsKb(run as ColdStart)).toBeLessThanOrEqual(BUDGET[name].kb);
  });

  it('loads none of the built-ins that its init does not need', () => {
    const [run] = runs.get(name) ?? [];
    expect(run?.initBuiltins.length).toBeGreaterThan(0);
    expect(run?.initBuiltins.filter((m) => NOT_AT_INIT[name].includes(m))).toEqual([]);
  });

  it("uses no more CPU than its budget's multiple of the trivial function's", () => {
    const own = median((runs.get(name) ?? []).map((r) => r.initCpuMs));
    const trivial = median((runs.get('hello') ?? []).map((r) => r.initCpuMs));
    expect(own / trivial).toBeLessThanOrEqual(BUDGET[name].cpuRatio);
  });
});

describe('the api function', () => {
  it('loads neither the AWS SDK nor its S3 file at init: POST /cartoon does not use them', () => {
    const [run] = runs.get('api') ?? [];
    const files = (run?.initFiles ?? []).map((f) => f.file);
    expect(files.some((f) => f.endsWith(`${path.sep}index.js`))).toBe(true);
    expect(files.filter((f) => /s3-access|@aws-sdk/.test(f))).toEqual([]);
  });

  it('keeps the SDK in a file of its own that loads and works when first required', async () => {
    const dir = path.join(scratch, 'api');
    const child = spawnSync(
      process.execPath,
      [
        '-e',
        `const { s3Access } = require('./s3-access.js');
         const { store, presigner } = s3Access({ bucket: 'b', region: 'eu-west-1', s3Endpoint: 'http://127.0.0.1:9' });
         presigner.downloadUrl('cartoons/x.jpg', 60).then((url) => {
           console.log(JSON.stringify({ url, get: typeof store.get }));
         });`,
      ],
      {
        cwd: dir,
        env: {
          ...lambdaLikeEnv({ layerModules, taskRoot: dir, functionName: 'api' }),
          AWS_ACCESS_KEY_ID: 'k',
          AWS_SECRET_ACCESS_KEY: 's',
        },
        encoding: 'utf8',
      },
    );
    expect(child.stderr).toBe('');
    const out = JSON.parse(child.stdout) as { url: string; get: string };
    expect(out.url).toMatch(/^http:\/\/127\.0\.0\.1:9\/b\/cartoons\/x\.jpg\?.*X-Amz-Signature=/);
    expect(out.get).toBe('function');
  });
});
