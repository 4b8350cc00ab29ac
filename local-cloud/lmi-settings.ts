/**
 * How the local cloud sizes a Lambda Managed Instances function: the vCPUs of one execution
 * environment, its concurrency, its runtime worker threads, how many environments run at least
 * and at most, and the CPU target its scaler tracks. Read once from the template (and the
 * capacity provider), with AWS's defaults where AWS documents them and the local cloud's own,
 * said below, where it does not or where AWS's would be too heavy for a 2-core laptop.
 *
 * Sources (read 2026-12):
 * - vCPUs: an environment gets the function's memory divided by its memory per vCPU
 *   (`ExecutionEnvironmentMemoryGiBPerVCpu`, 2.0 to 8.0; "the minimum supported function size
 *   is 2GB and 1 vCPU"):
 *   https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-best-practices.html,
 *   https://docs.aws.amazon.com/lambda/latest/api/API_LambdaManagedInstancesCapacityProviderConfig.html
 * - Max concurrency per environment, Node.js default 64 per vCPU:
 *   https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-nodejs-runtime.html
 * - Worker threads: the Node.js runtime starts 8 × CPUs unless AWS_LAMBDA_NODEJS_WORKER_COUNT is
 *   set (aws-lambda-nodejs-runtime-interface-client, src/utils/worker.ts).
 * - Three execution environments before a version is ACTIVE, by default:
 *   https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-scaling.html
 */
import type { CapacityProviderSpec, FunctionSpec, ManagedInstancesSpec } from './topology';

/** What one LMI function runs as, locally. */
export interface LmiSettings {
  /** vCPUs of one environment: its CPU limit (cgroup) and the base of the defaults below. */
  readonly vcpus: number;
  /** AWS_LAMBDA_MAX_CONCURRENCY: invocations one environment runs at once. */
  readonly maxConcurrency: number;
  /** AWS_LAMBDA_NODEJS_WORKER_COUNT: runtime worker threads per environment. */
  readonly workers: number;
  /** Environments started before the function takes traffic, and kept. */
  readonly minEnvironments: number;
  readonly maxEnvironments: number;
  /** The CPU utilisation (0..1) above which the scaler adds an environment. */
  readonly cpuTarget: number;
  /** One line per local choice, for the start banner and the README. */
  readonly notes: readonly string[];
}

/** How closely to follow AWS where AWS's default is heavy for a laptop. */
export interface LmiLocalOptions {
  /**
   * `local` (default): one worker thread per vCPU and one pre-started environment, unless the
   * template says otherwise. `aws`: AWS's defaults, 8 worker threads per vCPU and three
   * environments.
   */
  readonly scale?: 'local' | 'aws';
  /** Most environments per function when the template sets no maximum (4 by default). */
  readonly maxEnvironments?: number;
}

/** SAM's and the best-practices page's smallest ratio; AWS's default when unset is not stated. */
const DEFAULT_GIB_PER_VCPU = 2;
const NODE_CONCURRENCY_PER_VCPU = 64;
const AWS_WORKERS_PER_VCPU = 8;
const AWS_MIN_ENVIRONMENTS = 3;
const LOCAL_MAX_ENVIRONMENTS = 4;
/**
 * AWS documents no default CPU target; its default "keeps headroom to double within 5
 * minutes", which a 50 % target gives. A local choice.
 */
const DEFAULT_CPU_TARGET_PERCENT = 50;

/**
 * The local settings of an LMI function.
 *
 * @example
 * ```ts
 * const s = lmiSettings(fn, provider); // fn.memoryMb 4096, 2 GiB per vCPU
 * s.vcpus; // 2
 * s.maxConcurrency; // 128 unless the template sets PerExecutionEnvironmentMaxConcurrency
 * ```
 */
export function lmiSettings(
  fn: Pick<FunctionSpec, 'name' | 'memoryMb' | 'environment'> & {
    readonly managedInstances: ManagedInstancesSpec;
  },
  provider: CapacityProviderSpec | undefined,
  options: LmiLocalOptions = {},
): LmiSettings {
  const mi = fn.managedInstances;
  const notes: string[] = [];
  const aws = options.scale === 'aws';
  const gibPerVcpu = mi.memoryGiBPerVcpu ?? DEFAULT_GIB_PER_VCPU;
  const vcpus = Math.max(1, fn.memoryMb / 1024 / gibPerVcpu);
  const maxConcurrency =
    mi.perEnvironmentMaxConcurrency ?? Math.round(NODE_CONCURRENCY_PER_VCPU * vcpus);
  const fromTemplate = Number(fn.environment.AWS_LAMBDA_NODEJS_WORKER_COUNT);
  let workers: number;
  if (Number.isInteger(fromTemplate) && fromTemplate > 0) {
    workers = fromTemplate;
  } else if (aws) {
    workers = AWS_WORKERS_PER_VCPU * Math.ceil(vcpus);
  } else {
    workers = Math.ceil(vcpus);
    notes.push(
      `${fn.name}: ${workers} runtime worker thread(s) per environment (AWS: ${AWS_WORKERS_PER_VCPU} × vCPUs = ${AWS_WORKERS_PER_VCPU * Math.ceil(vcpus)}; --lmi-scale aws for AWS's)`,
    );
  }
  let minEnvironments: number;
  if (aws) {
    minEnvironments = mi.minEnvironments ?? AWS_MIN_ENVIRONMENTS;
  } else {
    minEnvironments = Math.min(1, mi.minEnvironments ?? AWS_MIN_ENVIRONMENTS);
    const deployed = mi.minEnvironments ?? AWS_MIN_ENVIRONMENTS;
    if (deployed !== minEnvironments) {
      notes.push(
        `${fn.name}: ${minEnvironments} pre-started environment(s) (deployed: ${deployed}; --lmi-scale aws for AWS's)`,
      );
    }
  }
  let maxEnvironments =
    mi.maxEnvironments ??
    Math.max(minEnvironments, options.maxEnvironments ?? LOCAL_MAX_ENVIRONMENTS);
  if (provider?.maxVcpuCount !== undefined) {
    // The provider's vCPU ceiling holds every environment it runs.
    maxEnvironments = Math.min(maxEnvironments, Math.floor(provider.maxVcpuCount / vcpus));
  }
  maxEnvironments = Math.max(minEnvironments, maxEnvironments);
  const cpuTarget = (provider?.cpuTargetPercent ?? DEFAULT_CPU_TARGET_PERCENT) / 100;
  return { vcpus, maxConcurrency, workers, minEnvironments, maxEnvironments, cpuTarget, notes };
}
