/**
 * Each function's init stays within a budget set from `npm run bench:init` (README, "Cold
 * starts"): what init loads (files, bytes of JavaScript) and what it costs in CPU time against
 * the trivial function, measured in the same test, in turns. Files and bytes do not depend on
 * the machine's load; CPU time, unlike the wall clock, barely does (other processes delay a
 * start, they do not make it do more work), and the ratio to the trivial function measured
 * alongside takes out the machine's speed.
 *
 * Budgets (2026-12-08, x86_64, 2 shared CPUs): api loaded 116 files and 657 KB of JavaScript
 * and used 4.1-4.2x the trivial function's CPU at init; process and queue 116 files, 1,053 KB,
 * 5.4-6.6x. The budgets leave some room over that, and none for the AWS SDK in the api's init.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleFunction, FUNCTIONS, type FunctionName } from '../../scripts/build-functions';
import { type ColdStart, lambdaLikeEnv, measureColdStart } from '../support/cold-start';

const ROOT = path.resolve(__dirname, '..', '..');
const ARCH = process.arch === 'arm64' ? 'arm64' : 'x64';
const RUNS = 5;

/** Per function: most files and KB of JavaScript init may load, most CPU × the trivial's. */
const BUDGET: Record<FunctionName, { files: number; kb: number; cpuRatio: number }> = {
  api: { files: 125, kb: 700, cpuRatio: 5 },
  process: { files: 125, kb: 1100, cpuRatio: 8 },
  queue: { files: 125, kb: 1100, cpuRatio: 8 },
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
  const layer = path.join(ROOT, 'build', 'layer', ARCH);
  if (!existsSync(path.join(layer, 'nodejs', 'node_modules'))) {
    const run = spawnSync('npm', ['run', 'build:layer', '--', '--arch', ARCH], { cwd: ROOT });
    if (run.status !== 0) throw new Error(`build:layer failed: ${run.stderr}`);
  }
  // A copy: other builds may rewrite build/layer while this runs.
  cpSync(layer, path.join(scratch, 'layer'), { recursive: true });
  layerModules = path.join(scratch, 'layer', 'nodejs', 'node_modules');
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
