import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { formatUsd, workload } from '../../loadtest/cost-model';
import { type CostReport, costReport } from '../../loadtest/cost-report';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

/** Runs the real script the way `npm run cost` does. */
function cost(...args: string[]) {
  const run = spawnSync(TSX, ['--tsconfig', 'tsconfig.json', 'scripts/cost.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const REQUIRED = [
  '--requests',
  '2000000',
  '--duration-ms',
  '400',
  '--memory-mb',
  '1769',
  '--arch',
  'arm64',
  '--payload-kb',
  '600',
];
/** The workload REQUIRED describes, as the model takes it. */
const REQUIRED_WORKLOAD = {
  requestsPerMonth: 2_000_000,
  durationMs: 400,
  memoryMb: 1769,
  arch: 'arm64',
  payloadKb: 600,
} as const;

describe('npm run cost', () => {
  test("prints each variant's month, per 1,000 images and breakdown as the model computes them", () => {
    const run = cost(
      ...REQUIRED,
      '--cold-share',
      '0.05',
      '--init-ms',
      '900',
      '--measured-where',
      'local',
    );

    expect(run.status).toBe(0);
    const expected = costReport(
      workload({ ...REQUIRED_WORKLOAD, coldShare: 0.05, initMs: 900, measuredWhere: 'local' }),
    );
    expect(expected.variants).toHaveLength(4);
    for (const v of expected.variants) {
      const per1000 = formatUsd(v.per1000ImagesUsd ?? Number.NaN, 4);
      expect(run.stdout).toContain(`${v.variant}`);
      expect(run.stdout).toContain(`${formatUsd(v.monthlyUsd)}/month, ${per1000} per 1,000 images`);
      for (const line of v.lines) expect(run.stdout).toContain(line.detail);
    }
    expect(run.stdout).toContain(
      'durations: measured locally (this machine, not Lambda billed durations)',
    );
    expect(run.stdout).toContain('lambda-managed-instances (priced, not deployed)');
    // The 600 KB photo is metered as two HTTP API requests.
    expect(run.stdout).toContain('2,000,000 images × 2 (600 KB in 512 KB steps)');
  });

  test("prints lambda-zip's month to the cent, as worked out by hand from the price table", () => {
    const run = cost(...REQUIRED, '--cold-share', '0.05', '--init-ms', '900');

    expect(run.status).toBe(0);
    // 1769 MB = 1.727539 GB; arm64, first tier (under 7.5e9 GB-s): $0.0000133334/GB-s.
    // duration: 2,000,000 × 0.4 s × 1.727539 GB = 1,382,031.25 GB-s × $0.0000133334 = $18.4272
    expect(run.stdout).toMatch(/compute +\$18\.43 +duration: 2,000,000 × 0\.4 s × 1\.7275 GB/);
    // INIT: 2,000,000 × 0.05 × 0.9 s × 1.727539 GB = 155,478.52 GB-s × $0.0000133334 = $2.0731
    expect(run.stdout).toMatch(/compute +\$2\.07 +INIT: 2,000,000 × 0\.05 cold × 0\.9 s/);
    // requests: 2,000,000 × $0.20/M = $0.40
    // HTTP API: 600 KB is 2 steps of 512 KB: 4,000,000 metered × $1.00/M = $4.00
    // logs: 2,000,000 × 1 KB = 1.907349 GB × $0.50/GB = $0.9537
    // month: 18.4272 + 2.0731 + 0.40 + 4.00 + 0.9537 = $25.8539; per 1,000: 25.8539 / 2,000
    expect(run.stdout).toContain('lambda-zip: $25.85/month, $0.0129 per 1,000 images');
  });

  test('--json is the whole report: variants, curve and break-even points', () => {
    const run = cost(...REQUIRED, '--json', '--free-tier', '--provisioned', '1', '--spot');

    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as CostReport;
    const expected = costReport(
      workload({ ...REQUIRED_WORKLOAD, freeTier: true, provisioned: 1, fargate: { spot: true } }),
    );
    expect(report).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(report.measuredWhere).toBe('assumed');
    expect(report.curve).toHaveLength(21);
    expect(report.breakEven.map((s) => s.scenario)).toEqual([
      'as given',
      'x86_64 (Lambda and Fargate)',
      'provisioned concurrency 0',
    ]);
    expect(report.variants.find((v) => v.variant === 'fargate')?.arch).toBe('x86_64');
  });

  test('--help explains every flag', () => {
    const run = cost('--help');

    expect(run.status).toBe(0);
    for (const flag of [
      '--requests',
      '--duration-ms',
      '--memory-mb',
      '--arch',
      '--payload-kb',
      '--json',
      '--free-tier',
      '--cold-share',
      '--init-ms',
      '--provisioned',
      '--region',
      '--task-vcpu',
      '--task-memory-gb',
      '--min-tasks',
      '--target-cpu',
      '--spot',
      '--measured-where',
    ]) {
      expect(run.stdout).toContain(flag);
    }
  });

  test('a task size Fargate offers is priced as given: 0.25 vCPU with 1 GB', () => {
    const run = cost(...REQUIRED, '--task-vcpu', '0.25', '--task-memory-gb', '1');

    expect(run.status).toBe(0);
    expect(run.stdout).toContain('(0.25 vCPU × $0.03238 + 1 GB × $0.00356)');
  });

  test('without --task-memory-gb a large task gets the least memory Fargate allows it', () => {
    const run = cost(...REQUIRED, '--task-vcpu', '16');

    expect(run.status).toBe(0);
    expect(run.stdout).toContain('(16 vCPU × $0.03238 + 32 GB × $0.00356)');
  });

  test.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [REQUIRED.slice(2), 'Missing --requests'],
    [
      [...REQUIRED, '--cold-share', '1.5'],
      'Expected number between 0 and 1 for --cold-share but received 1.5',
    ],
    [
      [...REQUIRED.slice(0, 7), 'sparc', ...REQUIRED.slice(8)],
      'Expected one of arm64, x86_64 for --arch but received sparc',
    ],
    [
      [...REQUIRED, '--task-vcpu', '3'],
      'Expected one of 0.25, 0.5, 1, 2, 4, 8, 16 for --task-vcpu but received 3',
    ],
    [
      [...REQUIRED, '--task-vcpu', '16', '--task-memory-gb', '2'],
      'Fargate takes 32 to 120 GB in steps of 8 GB with 16 vCPU; received 2 for --task-memory-gb',
    ],
    [
      [...REQUIRED, '--task-vcpu', '0.25', '--task-memory-gb', '1.5'],
      'Fargate takes 0.5, 1 or 2 GB with 0.25 vCPU; received 1.5 for --task-memory-gb',
    ],
    [
      [...REQUIRED, '--task-vcpu', '1', '--task-memory-gb', '1.5'],
      'Fargate takes 2 to 8 GB in steps of 1 GB with 1 vCPU; received 1.5 for --task-memory-gb',
    ],
    [
      [...REQUIRED, '--task-vcpu', '2', '--task-memory-gb', '17'],
      'Fargate takes 4 to 16 GB in steps of 1 GB with 2 vCPU; received 17 for --task-memory-gb',
    ],
    [
      [...REQUIRED, '--region', 'eu-west-1'],
      'No prices for region eu-west-1; the table has us-east-1',
    ],
    [
      [...REQUIRED, '--target-cpu', '0'],
      'Expected number above 0 and at most 1 for --target-cpu but received 0',
    ],
  ])('%j exits 2 with "%s"', (args, message) => {
    const run = cost(...args);

    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
  });
});
