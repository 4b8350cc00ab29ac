/**
 * The managed-instances stack's settings from CDK context: lambda-image's (the HTTP API's
 * timeout and throttling, the queue's batch and timeout, the bucket's), and what only Lambda
 * Managed Instances (LMI) has: the capacity provider's instance types, vCPU budget and CPU
 * target, and each function's environment size, concurrency and runtime worker threads.
 *
 * The defaults come from measurement, not from AWS's defaults (`taskset -c 0 npx tsx
 * test/bench/lmi-concurrency.bench.ts`, one core standing for one vCPU, 2026-12-08; the figures
 * are in docs/managed-instances.md). Cartoonizing is CPU-bound: with one runtime worker, images
 * a second on one vCPU stayed within ±8% from 1 to 8 invocations at once (4 and 12 MP photos)
 * while latency grew with each, so a vCPU takes 2 at once: the second costs at most a few
 * percent of throughput and lets a request that only waits on S3 (GET /cartoons/{id}, POST
 * /uploads, the queue's downloads) run beside an image instead of being turned away, which LMI
 * does when every slot is busy. The runtime's default of eight worker threads per vCPU held
 * about 450 MB more (each thread loads the core and its WebAssembly itself) for no more
 * throughput, so one. Peak RSS stayed under 410 MB at 8 at once: 2 GiB per vCPU, the least LMI
 * allows, is plenty.
 */
import { type ContextReader, readInteger, readNumber } from './context-values';
import { type LambdaImageSettings, readLambdaImageSettings } from './settings';

export interface ManagedInstancesSettings
  extends Omit<LambdaImageSettings, 'apiMemory' | 'queueMemory' | 'apiReservedConcurrency'> {
  /** EC2 instance types the capacity provider may launch (Graviton, arm64). */
  readonly instanceTypes: readonly string[];
  /** The capacity provider's vCPU ceiling: no instance is launched past it. */
  readonly maxVCpuCount: number;
  /** The capacity provider's target average CPU utilisation, in percent. */
  readonly cpuTargetPercent: number;
  /** vCPUs of one execution environment; its memory is this times `memoryGiBPerVCpu`. */
  readonly environmentVCpus: number;
  /** GiB of memory per vCPU of an execution environment (2.0 to 8.0). */
  readonly memoryGiBPerVCpu: number;
  /** Invocations one environment runs at once, per vCPU (its max concurrency is this × vCPUs). */
  readonly concurrencyPerVCpu: number;
  /** Runtime worker threads per vCPU (AWS_LAMBDA_NODEJS_WORKER_COUNT is this × vCPUs). */
  readonly workersPerVCpu: number;
  /** Environments of each function that are always running (LMI's default is 3, one per AZ). */
  readonly minEnvironments: number;
  readonly apiMaxEnvironments: number;
  readonly queueMaxEnvironments: number;
}

/**
 * Graviton3 compute-optimised and general-purpose sizes: the work is CPU-bound, c7g gives the
 * most vCPU per dollar, m7g the same vCPU with room (4 GiB per vCPU) should an instance's own
 * agent need more than c7g's 2 GiB per vCPU leaves. Lambda chooses among them.
 */
const DEFAULT_INSTANCE_TYPES = ['c7g.large', 'c7g.xlarge', 'm7g.large', 'm7g.xlarge'];

/**
 * AWS's ranges (AWS Lambda API reference, LambdaManagedInstancesCapacityProviderConfig and
 * FunctionScalingConfig, https://docs.aws.amazon.com/lambda/latest/api/API_LambdaManagedInstancesCapacityProviderConfig.html,
 * read 2026-12): memory 2.0 to 8.0 GiB per vCPU, 1 to 1600 invocations per environment, 0 to
 * 15000 environments. aws-cdk-lib 2.276.0's CapacityProvider refuses maxVCpuCount under 12
 * (CloudFormation takes 2).
 */
export const LMI_LIMITS = {
  memoryGiBPerVCpu: [2, 8],
  maxConcurrency: [1, 1600],
  environments: [0, 15000],
  maxVCpuCount: [12, 15000],
} as const;

function instanceTypes(get: ContextReader): string[] {
  const raw = get('lmiInstanceTypes');
  if (raw === undefined || raw === '') return [...DEFAULT_INSTANCE_TYPES];
  const types = String(raw)
    .split(',')
    .map((value) => value.trim());
  for (const type of types) {
    // Graviton families carry a `g` after the generation (c7g, m8g, r7gd, c7gn).
    if (!/^[a-z]+\d+g[a-z]*\.[a-z0-9]+$/.test(type)) {
      throw new Error(
        'context lmiInstanceTypes must be a comma-separated list of Graviton (arm64) instance ' +
          `types like c7g.large; got '${type}'`,
      );
    }
  }
  return types;
}

/**
 * The stack's settings.
 *
 * @example
 * ```ts
 * const settings = readManagedInstancesSettings((key) => app.node.tryGetContext(key));
 * settings.environmentVCpus * settings.memoryGiBPerVCpu * 1024; // 2048 MB, the function's memory
 * ```
 */
export function readManagedInstancesSettings(get: ContextReader): ManagedInstancesSettings {
  const {
    apiMemory: _apiMemory,
    queueMemory: _queueMemory,
    apiReservedConcurrency: _reserved,
    ...shared
  } = readLambdaImageSettings(get);
  const [minRatio, maxRatio] = LMI_LIMITS.memoryGiBPerVCpu;
  const [, maxEnvs] = LMI_LIMITS.environments;
  const environmentVCpus = readInteger(get, 'lmiEnvironmentVCpus', 1, 1, 64);
  const concurrencyPerVCpu = readInteger(get, 'lmiConcurrencyPerVCpu', 2, 1, 64);
  if (concurrencyPerVCpu * environmentVCpus > LMI_LIMITS.maxConcurrency[1]) {
    throw new Error(
      `context lmiConcurrencyPerVCpu × lmiEnvironmentVCpus must be at most ${LMI_LIMITS.maxConcurrency[1]}`,
    );
  }
  // Three, one per Availability Zone, unless asked: fewer loses AZ redundancy (AWS Lambda
  // developer guide, "Scaling Lambda Managed Instances",
  // https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-scaling.html, read 2026-12).
  const minEnvironments = readInteger(get, 'lmiMinEnvironments', 3, 1, maxEnvs);
  const apiMaxEnvironments = readInteger(get, 'lmiApiMaxEnvironments', 8, 1, maxEnvs);
  const queueMaxEnvironments = readInteger(get, 'lmiQueueMaxEnvironments', 4, 1, maxEnvs);
  for (const [key, max] of [
    ['lmiApiMaxEnvironments', apiMaxEnvironments],
    ['lmiQueueMaxEnvironments', queueMaxEnvironments],
  ] as const) {
    if (max < minEnvironments) {
      throw new Error(
        `context ${key} (${max}) must be at least lmiMinEnvironments (${minEnvironments})`,
      );
    }
  }
  const maxVCpuCount = readInteger(get, 'lmiMaxVCpuCount', 12, ...LMI_LIMITS.maxVCpuCount);
  const needed = (apiMaxEnvironments + queueMaxEnvironments) * environmentVCpus;
  if (needed > maxVCpuCount) {
    throw new Error(
      `context lmiMaxVCpuCount (${maxVCpuCount}) is below the ${needed} vCPUs both functions' ` +
        'maximum environments need: raise it or lower lmiApiMaxEnvironments / lmiQueueMaxEnvironments',
    );
  }
  return {
    ...shared,
    instanceTypes: instanceTypes(get),
    maxVCpuCount,
    // Room for traffic to double while instances start: LMI scales asynchronously and may
    // throttle traffic that more than doubles within five minutes (same page as above).
    cpuTargetPercent: readInteger(get, 'lmiCpuTargetPercent', 50, 10, 95),
    environmentVCpus,
    memoryGiBPerVCpu: readNumber(get, 'lmiMemoryGiBPerVCpu', 2, minRatio, maxRatio),
    concurrencyPerVCpu,
    workersPerVCpu: readInteger(get, 'lmiWorkersPerVCpu', 1, 1, 8),
    minEnvironments,
    apiMaxEnvironments,
    queueMaxEnvironments,
  };
}

/**
 * What one execution environment of a function gets, derived from the settings.
 *
 * @example
 * ```ts
 * environmentShape(settings); // { memoryMb: 2048, maxConcurrency: 2, workers: 1 }
 * ```
 */
export function environmentShape(settings: ManagedInstancesSettings): {
  readonly memoryMb: number;
  readonly maxConcurrency: number;
  readonly workers: number;
} {
  return {
    memoryMb: Math.round(settings.environmentVCpus * settings.memoryGiBPerVCpu * 1024),
    maxConcurrency: settings.concurrencyPerVCpu * settings.environmentVCpus,
    workers: settings.workersPerVCpu * settings.environmentVCpus,
  };
}
