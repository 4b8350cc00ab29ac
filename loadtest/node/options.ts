/**
 * The load test's flags, profiles and their checks. `--profile smoke` runs every scenario with
 * small numbers and the small image (a few minutes); `--profile full` (the default) uses the
 * phone photo. Flags given override the profile. A bad flag is a UsageError (the CLI exits 2).
 */
import path from 'node:path';
import { STYLE_NAMES } from '@cartoon-compute/core';
import { VARIANT_NAMES } from '../../local-cloud/variants';
import { numberFlag, parseFlags, UsageError } from '../../scripts/lib/flags';
import { DEFAULT_REGION } from '../aws/region';
import { SCENARIOS, type ScenarioName } from '../results';
import { IMAGE_KINDS, type ImageKind } from './test-image';

export { UsageError };

/** The core's own list, so a new style needs no change here. */
export const STYLES = STYLE_NAMES;

export interface LoadtestOptions {
  readonly target: 'local' | 'aws';
  readonly stage: string;
  /** aws: undefined means the SDK's default chain, else DEFAULT_REGION (loadtest/aws/region.ts). */
  readonly region: string | undefined;
  /** aws: where a fargate restore interrupted mid-run is kept for the next run. */
  readonly awsStateDir: string;
  readonly profile: 'smoke' | 'full';
  readonly variants: readonly string[];
  readonly scenarios: readonly ScenarioName[];
  /** Cold starts one at a time, per variant (the cold scenario's headline). */
  readonly coldN: number;
  /** Warm requests after each cold start. */
  readonly warmN: number;
  /** Simultaneous first requests of the burst figure; undefined: the machine's CPUs; 0: none. */
  readonly burstN: number | undefined;
  /** Times each scenario runs; goals are judged on the median. */
  readonly repeat: number;
  /** The monthly requests the verdict and costs are stated for. */
  readonly requestsPerMonth: number;
  /** Split the CPUs between the load generator and the cloud where there are two or more. */
  readonly pin: boolean;
  readonly image: ImageKind;
  readonly rates: readonly number[];
  readonly durationS: number;
  readonly rampSteps: number;
  readonly rampStepS: number;
  readonly saturationStart: number;
  readonly saturationMax: number;
  readonly saturationStepS: number;
  readonly p99BoundMs: number;
  readonly s3Images: number;
  readonly style: string;
  readonly maxSide: number;
  readonly imageSide: number;
  readonly bareRuns: number;
  readonly idleTimeoutS: number;
  readonly timeoutS: number;
  readonly stateDir: string;
  readonly out: string;
}

const PROFILES: Record<
  LoadtestOptions['profile'],
  Omit<
    LoadtestOptions,
    | 'target'
    | 'stage'
    | 'region'
    | 'awsStateDir'
    | 'profile'
    | 'variants'
    | 'scenarios'
    | 'stateDir'
    | 'out'
    | 'burstN'
    | 'requestsPerMonth'
    | 'pin'
    | 'maxSide'
  >
> = {
  smoke: {
    coldN: 3,
    warmN: 2,
    repeat: 1,
    image: 'small',
    rates: [1, 3],
    durationS: 3,
    rampSteps: 2,
    rampStepS: 2,
    saturationStart: 2,
    saturationMax: 8,
    saturationStepS: 3,
    p99BoundMs: 2000,
    s3Images: 3,
    style: 'classic',
    imageSide: 320,
    bareRuns: 5,
    idleTimeoutS: 2,
    timeoutS: 30,
  },
  full: {
    coldN: 5,
    warmN: 3,
    repeat: 1,
    image: 'phone',
    rates: [1, 5, 20],
    durationS: 30,
    rampSteps: 5,
    rampStepS: 10,
    saturationStart: 2,
    saturationMax: 128,
    saturationStepS: 15,
    p99BoundMs: 2000,
    s3Images: 20,
    style: 'classic',
    imageSide: 320,
    bareRuns: 20,
    idleTimeoutS: 5,
    timeoutS: 30,
  },
};

export const HELP = `Usage: npm run loadtest -- [options]

Loads the variants with the same scenarios and writes reports/<timestamp>/report.{json,md,html}.

Where:
  --target <local|aws>     local: this machine's local cloud, used when endpoints.json names a
                           live one, else started for the run and stopped after (default local)
  --stage <stage>          aws: the deployed stage whose stacks' outputs name the endpoints (default dev)
  --region <region>        aws: the stacks' region (default: AWS_REGION or the profile's region,
                           else ${DEFAULT_REGION}, as npm run deploy)
  --aws-state-dir <dir>    aws: where an interrupted fargate cold start's restore is kept; the
                           next run restores from it first (default reports/.aws-state)
  --state-dir <dir>        local: where a running local cloud's endpoints.json is (default .local-cloud)

What:
  --profile <smoke|full>   smoke: every scenario with small numbers and the small image, a few
                           minutes; full: the phone photo and more of everything (default full)
  --variants <list>        comma-separated: ${VARIANT_NAMES.join(',')} (default all; the
                           local cloud runs the ones it hosts and says which it skipped)
  --scenarios <list>       comma-separated: cold,steady,saturation,s3 (default all)

How much (each overrides the profile):
  --repeat <n>             run every scenario n times; goals are judged on the median, the
                           spread shown (default 1)
  --cold <n>               cold starts one at a time per variant, each environment reaped before
                           the next (full 5, smoke 3)
  --warm <n>               sequential warm requests after each cold start
  --burst <n>              simultaneous first requests of the separate burst figure (default: the
                           machine's CPUs; 0: no burst)
  --rates <list>           steady arrival rates, requests per second, e.g. 1,5,20
  --duration <s>           seconds per steady phase
  --ramp-steps <n>         ramp phases from the lowest rate to the highest
  --ramp-step <s>          seconds per ramp phase
  --saturation-max <r>     highest rate the saturation search tries (it doubles from 2/s)
  --saturation-step <s>    seconds per saturation step
  --p99-bound <ms>         a saturation step holds while p99 stays under this
  --s3-images <n>          images dropped into each bucket
  --image <phone|small>    phone: a 12 MP JPEG of about 3.3 MB (full); small: a 320 px photo (smoke)
  --style <name>           cartoon style (${STYLE_NAMES.join(', ')})
  --max-side <px>          the maxSide query of POST /cartoon (default 1024 for phone, 320 for small)
  --image-side <px>        the small image's longest side (default 320)
  --bare-runs <n>          in-process cartoonize() runs for the bare yardstick
  --idle-timeout <s>       local: environments' idle timeout in a cloud started here
  --timeout <s>            a request without an answer by then counts as timed out

Verdict and CPUs:
  --requests-per-month <n> the workload the verdict and costs are stated for (default 1000000)
  --pin <auto|off>         auto: on 2+ CPUs the load generator gets the last CPU, the cloud the
                           rest (taskset); off: they share every CPU (default auto)
  --out <dir>              reports folder (default reports)
  --help                   this text`;

/** A number flag (see `numberFlag`): `fallback` when absent, an integer unless `integer` is false. */
function num(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  integer = true,
): number {
  return numberFlag(name, raw, { min, integer }, fallback);
}

function list<T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T[] {
  if (raw === undefined) return [...allowed];
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!allowed.includes(item as T))
      throw new UsageError(`--${name}: unknown "${item}"; known: ${allowed.join(', ')}`);
  }
  if (items.length === 0)
    throw new UsageError(`--${name} needs at least one of ${allowed.join(', ')}`);
  return items as T[];
}

/**
 * Reads the flags; undefined for --help.
 *
 * @example
 * ```ts
 * parseOptions(['--profile', 'smoke', '--variants', 'lambda-zip'])?.coldN; // 3
 * ```
 * @throws {UsageError} on an unknown flag or a bad value.
 */
export function parseOptions(argv: readonly string[]): LoadtestOptions | undefined {
  const values: Record<string, string | boolean | undefined> = parseFlags(argv, {
    target: { type: 'string' },
    stage: { type: 'string' },
    region: { type: 'string' },
    'aws-state-dir': { type: 'string' },
    'state-dir': { type: 'string' },
    profile: { type: 'string' },
    variants: { type: 'string' },
    scenarios: { type: 'string' },
    cold: { type: 'string' },
    warm: { type: 'string' },
    burst: { type: 'string' },
    repeat: { type: 'string' },
    image: { type: 'string' },
    'requests-per-month': { type: 'string' },
    pin: { type: 'string' },
    rates: { type: 'string' },
    duration: { type: 'string' },
    'ramp-steps': { type: 'string' },
    'ramp-step': { type: 'string' },
    'saturation-max': { type: 'string' },
    'saturation-step': { type: 'string' },
    'p99-bound': { type: 'string' },
    's3-images': { type: 'string' },
    style: { type: 'string' },
    'max-side': { type: 'string' },
    'image-side': { type: 'string' },
    'bare-runs': { type: 'string' },
    'idle-timeout': { type: 'string' },
    timeout: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (values.help) return undefined;
  const s = (k: string) => values[k] as string | undefined;
  const target = s('target') ?? 'local';
  if (target !== 'local' && target !== 'aws')
    throw new UsageError(`--target must be local or aws, got "${target}"`);
  const profile = s('profile') ?? 'full';
  if (profile !== 'smoke' && profile !== 'full')
    throw new UsageError(`--profile must be smoke or full, got "${profile}"`);
  const p = PROFILES[profile];
  const style = s('style') ?? p.style;
  if (!STYLES.includes(style as (typeof STYLES)[number]))
    throw new UsageError(`--style: unknown "${style}"; known: ${STYLES.join(', ')}`);
  const rates =
    s('rates') === undefined
      ? p.rates
      : (s('rates') ?? '').split(',').map((r) => num('rates', r.trim(), 0, 0.1, false));
  if (rates.length === 0) throw new UsageError('--rates needs at least one rate');
  const saturationMax = num('saturation-max', s('saturation-max'), p.saturationMax, 1, false);
  const image = (s('image') ?? p.image) as ImageKind;
  if (!IMAGE_KINDS.includes(image))
    throw new UsageError(`--image must be ${IMAGE_KINDS.join(' or ')}, got "${image}"`);
  const pin = s('pin') ?? 'auto';
  if (pin !== 'auto' && pin !== 'off')
    throw new UsageError(`--pin must be auto or off, got "${pin}"`);
  const burst = s('burst');
  return {
    target,
    stage: s('stage') ?? 'dev',
    region: s('region'),
    awsStateDir: s('aws-state-dir') ?? path.join('reports', '.aws-state'),
    profile,
    variants: list('variants', s('variants'), VARIANT_NAMES),
    scenarios: list('scenarios', s('scenarios'), SCENARIOS),
    coldN: num('cold', s('cold'), p.coldN, 1),
    warmN: num('warm', s('warm'), p.warmN, 1),
    burstN: burst === undefined ? undefined : num('burst', burst, 0, 0),
    repeat: num('repeat', s('repeat'), p.repeat, 1),
    requestsPerMonth: num('requests-per-month', s('requests-per-month'), 1_000_000, 1),
    pin: pin === 'auto',
    image,
    rates,
    durationS: num('duration', s('duration'), p.durationS, 1),
    rampSteps: num('ramp-steps', s('ramp-steps'), p.rampSteps, 0),
    rampStepS: num('ramp-step', s('ramp-step'), p.rampStepS, 1),
    saturationStart: Math.min(p.saturationStart, saturationMax),
    saturationMax,
    saturationStepS: num('saturation-step', s('saturation-step'), p.saturationStepS, 1),
    p99BoundMs: num('p99-bound', s('p99-bound'), p.p99BoundMs, 1, false),
    s3Images: num('s3-images', s('s3-images'), p.s3Images, 0),
    style,
    // The phone photo is cartooned at 1024 px as a phone app would ask; the small one at its size.
    maxSide: num('max-side', s('max-side'), image === 'phone' ? 1024 : 320, 16),
    imageSide: num('image-side', s('image-side'), p.imageSide, 16),
    bareRuns: num('bare-runs', s('bare-runs'), p.bareRuns, 1),
    idleTimeoutS: num('idle-timeout', s('idle-timeout'), p.idleTimeoutS, 0.5, false),
    timeoutS: num('timeout', s('timeout'), p.timeoutS, 1),
    stateDir: s('state-dir') ?? '.local-cloud',
    out: s('out') ?? 'reports',
  };
}
