/**
 * What a month of cartoons costs on each variant:
 *
 *   npm run cost -- --requests 1000000 --duration-ms 500 --memory-mb 1769 --arch arm64 --payload-kb 300
 *
 * The arithmetic lives in `loadtest/cost-model.ts` (shared with the browser); this file only
 * reads flags, checks them and prints. It fetches nothing: prices come from the table in
 * `loadtest/prices.ts`, with the date they were checked. `npm run cost -- --help` lists the flags.
 */

import {
  describeFargateMemory,
  FARGATE_TASK_MEMORY,
  fargateAllows,
  fargateMemoryRange,
} from '../infra/lib/fargate-task-sizes';
import { formatUsd, type MeasuredWhere, type Workload, workload } from '../loadtest/cost-model';
import { type CostReport, costReport } from '../loadtest/cost-report';
import { PRICES } from '../loadtest/prices';
import { type NumberRange, numberFlag, parseFlags, UsageError } from './lib/flags';

/** The vCPU values Fargate offers: 0.25 to 16. */
const FARGATE_VCPUS = Object.keys(FARGATE_TASK_MEMORY).map((units) => Number(units) / 1024);
const WHERE: readonly MeasuredWhere[] = ['local', 'aws', 'assumed'];

const USAGE = `usage: npm run cost -- --requests N --duration-ms MS --memory-mb MB --arch arm64|x86_64 --payload-kb KB [options]

Prints each variant's monthly cost (lambda-zip, lambda-image, fargate, and Lambda Managed
Instances, priced but not deployed) with its breakdown, the cost per 1,000 images, and where
Fargate becomes cheaper than Lambda. Prices: ${Object.keys(PRICES).join(', ')}, from loadtest/prices.ts.

required:
  --requests N          images a month (POST /cartoon and S3 uploads together)
  --duration-ms MS      average duration of one image, as measured on Lambda at --memory-mb
  --memory-mb MB        Lambda memory, 128..10240 (1769 is one vCPU); also sets each image's CPU work
  --arch A              arm64 or x86_64, for Lambda, Fargate and the managed instance
  --payload-kb KB       average request body; HTTP API meters it in 512 KB steps

options:
  --measured-where W    local, aws or assumed (default assumed): where the durations come from;
                        local durations are not billed durations, and every output says which
  --response-kb KB      average response body (default 150), for the load balancer's bytes
  --free-tier           apply Lambda's monthly free tier (1M requests, 400,000 GB-s); off by default
  --cold-share F        share of on-demand invocations that are cold starts, 0..1 (default 0)
  --init-ms MS          measured INIT duration of a cold start (default 0); billed for zip and image
  --provisioned N       provisioned-concurrency environments kept warm all month (default 0)
  --region R            price table region (default us-east-1)
  --s3-share F          share of images that arrive as S3 uploads, 0..1 (default 0)
  --log-kb KB           CloudWatch Logs written per image (default 1)
  --task-vcpu V         Fargate task vCPU: ${FARGATE_VCPUS.join(', ')} (default 1)
  --task-memory-gb GB   Fargate task memory, as Fargate allows it for the vCPU (default 2,
                        or the least it allows for the vCPU when that is more)
  --min-tasks N         Fargate service minimum (default 1)
  --target-cpu F        CPU target of Fargate and managed-instance scaling, (0, 1] (default 0.75)
  --spot                run Fargate on Spot (x86_64 only; the price varies)
  --json                print the whole report as JSON (variants, curve, break-even points)
  -h, --help            this text`;

function number(
  values: Record<string, unknown>,
  name: string,
  range: NumberRange,
  fallback?: number,
): number {
  return numberFlag(name, values[name], range, fallback);
}

/**
 * --task-memory-gb, as Fargate allows it with `vcpu`; by default 2 GB, or the least Fargate
 * allows with `vcpu` when that is more.
 */
function taskMemory(values: Record<string, unknown>, vcpu: number): number {
  const units = vcpu * 1024;
  const fallback = Math.max(2, fargateMemoryRange(units)[0] / 1024);
  const gb = number(values, 'task-memory-gb', { min: 0.5, max: 120 }, fallback);
  if (!fargateAllows(units, gb * 1024)) {
    throw new UsageError(
      `Fargate takes ${describeFargateMemory(units, 'GB')} with ${vcpu} vCPU; received ${String(values['task-memory-gb'])} for --task-memory-gb`,
    );
  }
  return gb;
}

function oneOf<T extends string>(
  values: Record<string, unknown>,
  name: string,
  allowed: readonly T[],
  fallback?: T,
): T {
  const raw = values[name];
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`Missing --${name}`);
    return fallback;
  }
  if (!allowed.includes(raw as T)) {
    throw new UsageError(
      `Expected one of ${allowed.join(', ')} for --${name} but received ${String(raw)}`,
    );
  }
  return raw as T;
}

/** The workload the flags describe, or a UsageError that names the flag (exit code 2). */
function workloadFromArgs(argv: readonly string[]): { w: Workload; json: boolean } | null {
  const values = parse(argv);
  if (values.help) return null;
  const region = values.region ?? 'us-east-1';
  if (!PRICES[region]) {
    throw new UsageError(
      `No prices for region ${region}; the table has ${Object.keys(PRICES).join(', ')}`,
    );
  }
  const taskVcpu = number(values, 'task-vcpu', { min: 0.25, max: 16 }, 1);
  if (!FARGATE_VCPUS.includes(taskVcpu)) {
    throw new UsageError(
      `Expected one of ${FARGATE_VCPUS.join(', ')} for --task-vcpu but received ${values['task-vcpu']}`,
    );
  }
  const w = workload({
    requestsPerMonth: number(values, 'requests', { min: 0, max: 1e12 }),
    durationMs: number(values, 'duration-ms', { min: 0, max: 900_000, above: true }),
    memoryMb: number(values, 'memory-mb', { min: 128, max: 10_240, integer: true }),
    arch: oneOf(values, 'arch', ['arm64', 'x86_64'] as const),
    payloadKb: number(values, 'payload-kb', { min: 0, max: 10 * 1024 }),
    responseKb: number(values, 'response-kb', { min: 0, max: 10 * 1024 }, 150),
    freeTier: values['free-tier'] ?? false,
    coldShare: number(values, 'cold-share', { min: 0, max: 1 }, 0),
    initMs: number(values, 'init-ms', { min: 0, max: 900_000 }, 0),
    provisioned: number(values, 'provisioned', { min: 0, max: 100_000, integer: true }, 0),
    region,
    s3Share: number(values, 's3-share', { min: 0, max: 1 }, 0),
    logKbPerRequest: number(values, 'log-kb', { min: 0, max: 1024 }, 1),
    measuredWhere: oneOf(values, 'measured-where', WHERE, 'assumed'),
    fargate: {
      taskVcpu,
      taskMemoryGb: taskMemory(values, taskVcpu),
      minTasks: number(values, 'min-tasks', { min: 0, max: 10_000, integer: true }, 1),
      targetCpu: number(values, 'target-cpu', { min: 0, max: 1, above: true }, 0.75),
      spot: values.spot ?? false,
    },
  });
  return { w, json: values.json ?? false };
}

function parse(argv: readonly string[]) {
  const string = { type: 'string' as const };
  return parseFlags(argv, {
    help: { type: 'boolean', short: 'h' },
    json: { type: 'boolean' },
    'free-tier': { type: 'boolean' },
    spot: { type: 'boolean' },
    requests: string,
    'duration-ms': string,
    'memory-mb': string,
    arch: string,
    'payload-kb': string,
    'response-kb': string,
    'cold-share': string,
    'init-ms': string,
    provisioned: string,
    region: string,
    's3-share': string,
    'log-kb': string,
    'measured-where': string,
    'task-vcpu': string,
    'task-memory-gb': string,
    'min-tasks': string,
    'target-cpu': string,
  });
}

const DURATIONS: Record<MeasuredWhere, string> = {
  local: 'measured locally (this machine, not Lambda billed durations)',
  aws: 'measured on AWS (billed durations)',
  assumed: 'assumed, not measured',
};

/** The report as the terminal shows it; every dollar figure comes from `formatUsd`. */
function render(report: CostReport): string {
  const w = report.workload;
  const out = [
    `Monthly cost in ${report.region}, prices checked ${report.pricesChecked} (30-day month)`,
    `workload: ${w.requestsPerMonth.toLocaleString('en-US')} images/month, ${w.durationMs} ms at ${w.memoryMb} MB ${w.arch}, ${w.payloadKb} KB in, ${w.responseKb} KB out, cold ${w.coldShare} × ${w.initMs} ms INIT, provisioned ${w.provisioned}, ${w.freeTier ? 'free tier applied' : 'no free tier'}`,
    `durations: ${DURATIONS[report.measuredWhere]}`,
    '',
  ];
  for (const v of report.variants) {
    const per1000 =
      v.per1000ImagesUsd === null ? 'n/a' : `${formatUsd(v.per1000ImagesUsd, 4)} per 1,000 images`;
    out.push(
      `${v.variant}${v.deployed ? '' : ' (priced, not deployed)'}: ${formatUsd(v.monthlyUsd)}/month, ${per1000}`,
    );
    for (const line of v.lines) {
      out.push(`  ${line.category.padEnd(14)}${formatUsd(line.usd).padStart(12)}  ${line.detail}`);
    }
    for (const note of v.notes) out.push(`  note: ${note}`);
    out.push('');
  }
  out.push('Where Fargate becomes cheaper than lambda-zip (curve 10k to 100M requests/month):');
  for (const s of report.breakEven) out.push(`  ${s.scenario}: ${s.breakEven.reason}`);
  return out.join('\n');
}

function main(argv: readonly string[]): number {
  let parsed: ReturnType<typeof workloadFromArgs>;
  try {
    parsed = workloadFromArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`cost: ${err.message}\nRun npm run cost -- --help for the flags.`);
      return 2;
    }
    throw err;
  }
  if (!parsed) {
    console.log(USAGE);
    return 0;
  }
  const report = costReport(parsed.w);
  console.log(parsed.json ? JSON.stringify(report, null, 2) : render(report));
  return 0;
}

process.exitCode = main(process.argv.slice(2));
