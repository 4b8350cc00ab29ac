/**
 * What a month of cartoons costs on each variant: the three deployed ones (lambda-zip,
 * lambda-image, fargate) and Lambda Managed Instances, priced but not deployed.
 *
 * A pure function of a workload and the price table (`prices.ts`): no I/O and no `node:`
 * imports, because the same module will feed a cost panel in the browser. The CLI
 * (`scripts/cost.ts`) is the only node-specific part.
 *
 * Durations are taken as given. Local load-test runs pass local durations, AWS runs pass
 * billed durations, and `measuredWhere` travels with every result so nobody mistakes one
 * for the other.
 *
 * Simplifications, each stated where it is made: a 30-day month; traffic spread evenly over
 * it (no peaks); one image uses the CPU share Lambda gives its memory size; S3-path uploads
 * cost what the HTTP path costs plus their storage and queue requests.
 */
import { type Arch, type Price, pricesFor, type RegionPrices, type Tier } from './prices';

/** A 30-day month, the month AWS's own worked examples use. */
export const MONTH_SECONDS = 30 * 24 * 3600;
export const MONTH_HOURS = MONTH_SECONDS / 3600;
/** Lambda gives one full vCPU at 1,769 MB and a proportional share below and above it. */
export const MB_PER_VCPU = 1769;
const KB_PER_GB = 1024 * 1024;
/** SQS long polls wait up to 20 s, so an idle poller makes 3 empty receives a minute. */
const LONG_POLL_SECONDS = 20;
/**
 * Pollers an SQS event source mapping keeps on an idle queue. An assumption (AWS says Lambda
 * polls with several long-polling pollers and scales them up under load), stated as such.
 */
const ESM_IDLE_POLLERS = 5;
/** An S3 event notification is about 1-2 KB: one 64 KB SQS chunk. */
const S3_EVENT_KB = 2;
/** Control requests (POST /uploads, GET /cartoons/{id}) carry about 1 KB each way. */
const CONTROL_KB = 1;

export const VARIANTS = [
  'lambda-zip',
  'lambda-image',
  'fargate',
  'lambda-managed-instances',
] as const;
export type VariantName = (typeof VARIANTS)[number];

/** Where the durations came from: this machine, a real AWS account, or an assumption. */
export type MeasuredWhere = 'local' | 'aws' | 'assumed';

export interface FargateOptions {
  /** Task size; Fargate allows 0.25, 0.5, 1, 2, 4, 8 or 16 vCPU. */
  readonly taskVcpu: number;
  readonly taskMemoryGb: number;
  /** The service's desired count never goes below this. */
  readonly minTasks: number;
  /** Target tracking keeps average CPU near this fraction (0..1]. */
  readonly targetCpu: number;
  /** Run on Fargate Spot (x86_64 only; the price varies). */
  readonly spot: boolean;
}

export interface Workload {
  /** Images a month. */
  readonly requestsPerMonth: number;
  /** Average duration of one image (warm), as measured on Lambda at `memoryMb`. */
  readonly durationMs: number;
  readonly memoryMb: number;
  readonly arch: Arch;
  /** Average request body (the photo). */
  readonly payloadKb: number;
  /** Average response body (the cartoon). */
  readonly responseKb: number;
  /** Apply Lambda's monthly free tier (1M requests, 400,000 GB-s). */
  readonly freeTier: boolean;
  /** Share of on-demand Lambda invocations that start a new environment (0..1). */
  readonly coldShare: number;
  /** Measured INIT duration of a cold start. */
  readonly initMs: number;
  /** Provisioned-concurrency environments kept warm all month. */
  readonly provisioned: number;
  readonly region: string;
  /** Share of images that come through S3 uploads rather than POST /cartoon (0..1). */
  readonly s3Share: number;
  /** CloudWatch Logs written per image, platform lines included. */
  readonly logKbPerRequest: number;
  /** Listener rules each request passes through on the ALB. */
  readonly albRules: number;
  readonly measuredWhere: MeasuredWhere;
  readonly fargate: FargateOptions;
}

export const DEFAULT_FARGATE: FargateOptions = {
  taskVcpu: 1,
  taskMemoryGb: 2,
  minTasks: 1,
  targetCpu: 0.75,
  spot: false,
};

/** Everything but the five figures a caller must give (requests, duration, memory, arch, payload). */
export const DEFAULT_WORKLOAD: Omit<
  Workload,
  'requestsPerMonth' | 'durationMs' | 'memoryMb' | 'arch' | 'payloadKb'
> = {
  responseKb: 150,
  freeTier: false,
  coldShare: 0,
  initMs: 0,
  provisioned: 0,
  region: 'us-east-1',
  s3Share: 0,
  logKbPerRequest: 1,
  albRules: 1,
  measuredWhere: 'assumed',
  fargate: DEFAULT_FARGATE,
};

export type Category =
  | 'compute'
  | 'requests'
  | 'front door'
  | 'tasks'
  | 'instances'
  | 'load balancer'
  | 'queue'
  | 'S3'
  | 'logs';

export interface LineItem {
  readonly category: Category;
  readonly usd: number;
  /** The arithmetic, so a reader can check the figure by hand. */
  readonly detail: string;
}

export interface VariantCost {
  readonly variant: VariantName;
  readonly deployed: boolean;
  readonly arch: Arch;
  readonly monthlyUsd: number;
  /** Monthly cost divided by images, times 1,000; null for a month with no images. */
  readonly per1000ImagesUsd: number | null;
  readonly measuredWhere: MeasuredWhere;
  readonly lines: readonly LineItem[];
  readonly notes: readonly string[];
}

/**
 * A workload with the defaults filled in.
 *
 * @example
 * ```ts
 * const w = workload({ requestsPerMonth: 1e6, durationMs: 500, memoryMb: 1769, arch: 'arm64', payloadKb: 300 });
 * w.fargate.minTasks; // 1
 * ```
 */
export function workload(
  given: Pick<Workload, 'requestsPerMonth' | 'durationMs' | 'memoryMb' | 'arch' | 'payloadKb'> &
    Partial<Omit<Workload, 'fargate'>> & { fargate?: Partial<FargateOptions> },
): Workload {
  return {
    ...DEFAULT_WORKLOAD,
    ...given,
    fargate: { ...DEFAULT_FARGATE, ...given.fargate },
  };
}

/**
 * The cost of `quantity` units under volume tiers, each tier priced for the units that fall in it.
 *
 * @example
 * ```ts
 * // 8 billion arm64 GB-s: 7.5 billion at the first rate, 0.5 billion at the second.
 * tieredCost(8e9, pricesFor('us-east-1').lambda.duration.arm64);
 * ```
 */
export function tieredCost(quantity: number, tiers: readonly Tier[]): number {
  let cost = 0;
  let floor = 0;
  for (const tier of tiers) {
    if (quantity <= floor) break;
    const ceiling = tier.upTo ?? Number.POSITIVE_INFINITY;
    cost += (Math.min(quantity, ceiling) - floor) * tier.price.usd;
    floor = ceiling;
  }
  return cost;
}

/**
 * How many metered requests one HTTP API request of `payloadKb` counts as (512 KB increments).
 *
 * @example
 * ```ts
 * httpApiMeteredRequests(600, pricesFor('us-east-1')); // 2
 * ```
 */
export function httpApiMeteredRequests(payloadKb: number, prices: RegionPrices): number {
  return Math.max(1, Math.ceil(payloadKb / prices.httpApi.meteringKb.value));
}

export interface AlbLoad {
  readonly newConnectionsPerSecond: number;
  readonly activeConnectionsPerMinute: number;
  readonly processedGbPerHour: number;
  readonly ruleEvaluationsPerSecond: number;
}

/**
 * LCUs one hour of `load` bills: each dimension divided by what one LCU buys, the largest wins.
 *
 * @example
 * ```ts
 * albLcus({ newConnectionsPerSecond: 50, activeConnectionsPerMinute: 3000,
 *           processedGbPerHour: 1, ruleEvaluationsPerSecond: 0 }, pricesFor('us-east-1'));
 * // { lcus: 2, dimension: 'newConnectionsPerSecond' }
 * ```
 */
export function albLcus(
  load: AlbLoad,
  prices: RegionPrices,
  target: 'ip' | 'lambda' = 'ip',
): { lcus: number; dimension: keyof AlbLoad } {
  const lcu = prices.alb.lcu;
  const perDimension: Record<keyof AlbLoad, number> = {
    newConnectionsPerSecond: load.newConnectionsPerSecond / lcu.newConnectionsPerSecond.value,
    activeConnectionsPerMinute:
      load.activeConnectionsPerMinute / lcu.activeConnectionsPerMinute.value,
    processedGbPerHour:
      load.processedGbPerHour /
      (target === 'lambda' ? lcu.processedGbPerHourLambda : lcu.processedGbPerHour).value,
    ruleEvaluationsPerSecond: load.ruleEvaluationsPerSecond / lcu.ruleEvaluationsPerSecond.value,
  };
  let dimension: keyof AlbLoad = 'newConnectionsPerSecond';
  for (const key of Object.keys(perDimension) as Array<keyof AlbLoad>) {
    if (perDimension[key] > perDimension[dimension]) dimension = key;
  }
  return { lcus: perDimension[dimension], dimension };
}

/** Images a month split by how they arrive. */
function traffic(w: Workload) {
  const s3Images = w.requestsPerMonth * w.s3Share;
  const httpImages = w.requestsPerMonth - s3Images;
  return {
    httpImages,
    s3Images,
    // An S3-path image needs POST /uploads and at least one GET /cartoons/{id}.
    controlRequests: 2 * s3Images,
  };
}

/**
 * CPU work of a month of images, in vCPU-seconds: each image holds Lambda's CPU share for its
 * memory size (memory / 1,769 MB vCPU) for its duration, and needs the same work elsewhere.
 *
 * @example
 * ```ts
 * busyVcpuSeconds(workload({ requestsPerMonth: 1e6, durationMs: 500, memoryMb: 1769, arch: 'arm64', payloadKb: 300 }));
 * // 500,000
 * ```
 */
export function busyVcpuSeconds(w: Workload): number {
  return w.requestsPerMonth * (w.durationMs / 1000) * (w.memoryMb / MB_PER_VCPU);
}

/**
 * Fargate tasks the service runs: enough that average CPU stays at the scaling target, never
 * fewer than the service minimum. Each task works on ⌊vCPU⌋ images at once (at least one).
 *
 * @example
 * ```ts
 * // 500,000 busy vCPU-s / (2,592,000 s × 1 vCPU × 0.75) = 0.26 → 1 task
 * fargateTaskCount(w).tasks; // 1
 * ```
 */
export function fargateTaskCount(w: Workload): {
  tasks: number;
  loadTasks: number;
  concurrencyPerTask: number;
} {
  const { taskVcpu, targetCpu, minTasks } = w.fargate;
  const loadTasks = busyVcpuSeconds(w) / (MONTH_SECONDS * taskVcpu * targetCpu);
  return {
    tasks: Math.max(minTasks, Math.ceil(loadTasks)),
    loadTasks,
    concurrencyPerTask: Math.max(1, Math.floor(taskVcpu)),
  };
}

/**
 * Managed instances Lambda runs: enough for the CPU work at the scaling target, never fewer than
 * the default minimum of three (one per Availability Zone).
 *
 * @example
 * ```ts
 * managedInstanceCount(w, pricesFor('us-east-1')).instances; // 3 for light loads
 * ```
 */
export function managedInstanceCount(
  w: Workload,
  prices: RegionPrices,
): { instances: number; loadInstances: number } {
  const instance = prices.managedInstances.instance[w.arch];
  const loadInstances = busyVcpuSeconds(w) / (MONTH_SECONDS * instance.vcpu * w.fargate.targetCpu);
  return {
    instances: Math.max(prices.managedInstances.minInstances.value, Math.ceil(loadInstances)),
    loadInstances,
  };
}

const formats = new Map<string, Intl.NumberFormat>();

/**
 * An en-US number format, made once per shape: making one costs about 0.1 ms, and a cost
 * report formats thousands of figures (the curve and the break-even search price every
 * variant some two hundred times), so `toLocaleString` alone made a report take 100 ms.
 */
function numberFormat(minimumFractionDigits: number, maximumFractionDigits: number) {
  const shape = `${minimumFractionDigits}-${maximumFractionDigits}`;
  let format = formats.get(shape);
  if (format === undefined) {
    format = new Intl.NumberFormat('en-US', { minimumFractionDigits, maximumFractionDigits });
    formats.set(shape, format);
  }
  return format;
}

/** A count rounded to a whole number, with thousands separators: 1,234,568. */
export const formatCount = (x: number): string => numberFormat(0, 0).format(Math.round(x));
const nx = (x: number, digits = 4) => numberFormat(0, digits).format(x);
const rate = (p: Price) => `$${p.usd.toPrecision(6).replace(/0+$/, '').replace(/\.$/, '')}`;

/**
 * Dollars as the CLI and the cost panel print them.
 *
 * @example
 * ```ts
 * formatUsd(1234.5); // '$1,234.50'
 * formatUsd(0.01234, 4); // '$0.0123'
 * ```
 */
export function formatUsd(usd: number, digits = 2): string {
  return `$${numberFormat(digits, digits).format(usd)}`;
}

function httpApiLine(w: Workload, p: RegionPrices): LineItem {
  const t = traffic(w);
  const perImage = httpApiMeteredRequests(w.payloadKb, p);
  const metered = t.httpImages * perImage + t.controlRequests;
  return {
    category: 'front door',
    usd: tieredCost(metered, p.httpApi.requests),
    detail: `HTTP API: ${formatCount(t.httpImages)} images × ${perImage} (${nx(w.payloadKb)} KB in 512 KB steps)${t.controlRequests ? ` + ${formatCount(t.controlRequests)} upload/status calls` : ''} = ${formatCount(metered)} metered requests, $1.00/M to 300M then $0.90/M`,
  };
}

function s3Line(w: Workload, p: RegionPrices): LineItem | null {
  const { s3Images } = traffic(w);
  if (s3Images === 0) return null;
  // Upload PUT and result PUT; the worker's GET, the status check's HEAD, the user's download GET.
  const puts = 2 * s3Images;
  const gets = 3 * s3Images;
  return {
    category: 'S3',
    usd: puts * p.s3.put.usd + gets * p.s3.get.usd,
    detail: `${formatCount(puts)} PUT × $0.005/1,000 + ${formatCount(gets)} GET/HEAD × $0.0004/1,000 (upload, result; read, status, download)`,
  };
}

function queueLine(w: Workload, p: RegionPrices, idlePollers: number, who: string): LineItem {
  const { s3Images } = traffic(w);
  const chunks = Math.ceil(S3_EVENT_KB / p.sqs.chunkKb.value);
  // S3 sends, the consumer receives and deletes: three requests per message.
  const messageRequests = 3 * s3Images * chunks;
  const idleRequests = idlePollers * (MONTH_SECONDS / LONG_POLL_SECONDS);
  const total = messageRequests + idleRequests;
  return {
    category: 'queue',
    usd: total * p.sqs.requests.usd,
    detail: `SQS: ${formatCount(messageRequests)} message requests (send, receive, delete) + ${formatCount(idleRequests)} long polls by ${idlePollers} ${who} = ${formatCount(total)} × $0.40/M`,
  };
}

function logsLine(w: Workload, p: RegionPrices): LineItem {
  const gb = (w.requestsPerMonth * w.logKbPerRequest) / KB_PER_GB;
  return {
    category: 'logs',
    usd: gb * p.logs.ingestionGb.usd,
    detail: `CloudWatch Logs: ${formatCount(w.requestsPerMonth)} × ${nx(w.logKbPerRequest)} KB = ${nx(gb, 3)} GB × $0.50/GB ingested`,
  };
}

function total(lines: readonly LineItem[]): number {
  return lines.reduce((sum, line) => sum + line.usd, 0);
}

function per1000(monthly: number, w: Workload): number | null {
  return w.requestsPerMonth > 0 ? (monthly / w.requestsPerMonth) * 1000 : null;
}

function present<T>(x: T | null): x is T {
  return x !== null;
}

/**
 * lambda-zip or lambda-image: requests, on-demand duration (tiered) with billed INIT for the
 * cold share, provisioned concurrency when configured, the HTTP API, and the S3 path.
 *
 * @example
 * ```ts
 * lambdaCost(w, 'lambda-zip').monthlyUsd;
 * ```
 */
export function lambdaCost(w: Workload, variant: 'lambda-zip' | 'lambda-image'): VariantCost {
  const p = pricesFor(w.region);
  const notes: string[] = [];
  const memoryGb = w.memoryMb / 1024;
  const seconds = w.durationMs / 1000;
  const t = traffic(w);
  const images = w.requestsPerMonth;
  // One invocation per image; an S3-path image adds two short api calls (presign, status),
  // whose few milliseconds of duration are not modelled.
  const invocations = images + t.controlRequests;

  // Provisioned environments serve the traffic up to their number; the rest spills to on-demand.
  const averageConcurrency = (images * seconds) / MONTH_SECONDS;
  const provisionedShare =
    w.provisioned > 0
      ? Math.min(1, averageConcurrency > 0 ? w.provisioned / averageConcurrency : 1)
      : 0;
  const onDemandImages = images * (1 - provisionedShare);
  const invokeGbSeconds = onDemandImages * seconds * memoryGb;
  const initGbSeconds = onDemandImages * w.coldShare * (w.initMs / 1000) * memoryGb;

  const freeTier = w.freeTier && w.provisioned === 0;
  if (w.freeTier && w.provisioned > 0) {
    notes.push('Free tier not applied: it does not cover functions with provisioned concurrency.');
  }
  const freeGbSeconds = freeTier ? p.lambda.freeGbSeconds.value : 0;
  const freeRequests = freeTier ? p.lambda.freeRequests.value : 0;
  const onDemandGbSeconds = invokeGbSeconds + initGbSeconds;
  const billedGbSeconds = Math.max(0, onDemandGbSeconds - freeGbSeconds);
  const durationUsd = tieredCost(billedGbSeconds, p.lambda.duration[w.arch]);
  // Tiers apply to the sum; split it between invoke and INIT by their GB-seconds.
  const initUsd = onDemandGbSeconds > 0 ? (durationUsd * initGbSeconds) / onDemandGbSeconds : 0;
  const firstRate = p.lambda.duration[w.arch][0]?.price;

  const lines: Array<LineItem | null> = [
    {
      category: 'compute',
      usd: durationUsd - initUsd,
      detail: `duration: ${formatCount(onDemandImages)} × ${nx(seconds)} s × ${nx(memoryGb)} GB = ${formatCount(invokeGbSeconds)} GB-s${freeTier ? ` (less ${formatCount(freeGbSeconds)} free, shared with INIT)` : ''}, ${w.arch} tiers from ${firstRate ? rate(firstRate) : '?'}/GB-s`,
    },
    initGbSeconds > 0
      ? {
          category: 'compute',
          usd: initUsd,
          detail: `INIT: ${formatCount(onDemandImages)} × ${nx(w.coldShare)} cold × ${nx(w.initMs / 1000)} s × ${nx(memoryGb)} GB = ${formatCount(initGbSeconds)} GB-s (billed for ${variant === 'lambda-zip' ? 'zip functions since 2025-08-01' : 'container images always'})`,
        }
      : null,
    w.provisioned > 0
      ? {
          category: 'compute',
          usd: w.provisioned * memoryGb * MONTH_SECONDS * p.lambda.provisioned[w.arch].usd,
          detail: `provisioned concurrency: ${w.provisioned} × ${nx(memoryGb)} GB × ${formatCount(MONTH_SECONDS)} s = ${formatCount(w.provisioned * memoryGb * MONTH_SECONDS)} GB-s × ${rate(p.lambda.provisioned[w.arch])}, busy or idle`,
        }
      : null,
    w.provisioned > 0
      ? {
          category: 'compute',
          usd:
            images *
            provisionedShare *
            seconds *
            memoryGb *
            p.lambda.provisionedDuration[w.arch].usd,
          detail: `duration on provisioned environments: ${formatCount(images * provisionedShare)} × ${nx(seconds)} s × ${nx(memoryGb)} GB = ${formatCount(images * provisionedShare * seconds * memoryGb)} GB-s × ${rate(p.lambda.provisionedDuration[w.arch])}`,
        }
      : null,
    {
      category: 'requests',
      usd: Math.max(0, invocations - freeRequests) * p.lambda.requests.usd,
      detail: `${formatCount(invocations)} invocations${freeTier ? ` less ${formatCount(freeRequests)} free` : ''} × $0.20/M`,
    },
    httpApiLine(w, p),
    s3Line(w, p),
    variant === 'lambda-image'
      ? queueLine(w, p, ESM_IDLE_POLLERS, 'event source mapping pollers (assumed)')
      : null,
    logsLine(w, p),
  ];
  if (w.provisioned > 0 && provisionedShare < 1) {
    notes.push(
      `Average concurrency ${nx(averageConcurrency, 2)} exceeds ${w.provisioned} provisioned: ${nx((1 - provisionedShare) * 100, 1)}% of images run on demand.`,
    );
  }
  if (variant === 'lambda-zip') {
    notes.push('S3 uploads invoke the function asynchronously: no queue to pay for.');
  } else {
    notes.push('S3 uploads go through SQS to an event source mapping.');
  }
  const billed = lines.filter(present);
  const monthly = total(billed);
  return {
    variant,
    deployed: true,
    arch: w.arch,
    monthlyUsd: monthly,
    per1000ImagesUsd: per1000(monthly, w),
    measuredWhere: w.measuredWhere,
    lines: billed,
    notes,
  };
}

/**
 * fargate: tasks sized from the load, the ALB (hours and LCUs), the SQS queue the tasks poll.
 *
 * @example
 * ```ts
 * fargateCost(w).lines.find((l) => l.category === 'tasks');
 * ```
 */
export function fargateCost(w: Workload): VariantCost {
  const p = pricesFor(w.region);
  const notes: string[] = [];
  const { spot, taskVcpu, taskMemoryGb, targetCpu } = w.fargate;
  const arch: Arch = spot ? 'x86_64' : w.arch;
  if (spot && w.arch !== 'x86_64') {
    notes.push('Fargate Spot runs x86_64 tasks only: priced as x86_64.');
  }
  if (spot) notes.push('Spot prices vary with supply and demand; tasks get a 2-minute warning.');
  const vcpuHour = spot ? p.fargate.spotVcpuHour : p.fargate.vcpuHour[arch];
  const gbHour = spot ? p.fargate.spotGbHour : p.fargate.gbHour[arch];
  const { tasks, loadTasks, concurrencyPerTask } = fargateTaskCount(w);
  const taskHour = taskVcpu * vcpuHour.usd + taskMemoryGb * gbHour.usd;

  const t = traffic(w);
  const frontDoorRequests = t.httpImages + t.controlRequests;
  const perSecond = frontDoorRequests / MONTH_SECONDS;
  const processedKb =
    t.httpImages * (w.payloadKb + w.responseKb) + t.controlRequests * 2 * CONTROL_KB;
  const load: AlbLoad = {
    // Every request on a new connection: the conservative reading for one-shot clients.
    newConnectionsPerSecond: perSecond,
    activeConnectionsPerMinute: perSecond * 60,
    processedGbPerHour: processedKb / KB_PER_GB / MONTH_HOURS,
    ruleEvaluationsPerSecond: Math.max(0, w.albRules - p.alb.lcu.freeRules.value) * perSecond,
  };
  const { lcus, dimension } = albLcus(load, p);

  const lines: Array<LineItem | null> = [
    {
      category: 'tasks',
      usd: tasks * MONTH_HOURS * taskHour,
      detail: `${tasks} task${tasks === 1 ? '' : 's'} (load ${nx(loadTasks, 2)} at ${nx(targetCpu * 100)}% CPU target, min ${w.fargate.minTasks}; ${concurrencyPerTask} image${concurrencyPerTask === 1 ? '' : 's'} at once each) × ${MONTH_HOURS} h × (${nx(taskVcpu)} vCPU × ${rate(vcpuHour)} + ${nx(taskMemoryGb)} GB × ${rate(gbHour)}) ${spot ? 'Spot ' : ''}${arch}`,
    },
    {
      category: 'load balancer',
      usd: MONTH_HOURS * p.alb.hour.usd,
      detail: `ALB: ${MONTH_HOURS} h × $0.0225`,
    },
    {
      category: 'load balancer',
      usd: MONTH_HOURS * lcus * p.alb.lcuHour.usd,
      detail: `LCUs: ${nx(lcus, 4)} per hour (largest dimension: ${dimension}) × ${MONTH_HOURS} h × $0.008`,
    },
    s3Line(w, p),
    queueLine(w, p, tasks, `task${tasks === 1 ? '' : 's'}`),
    logsLine(w, p),
  ];
  notes.push('Task count follows the average load; peaks need headroom the model does not add.');
  const billed = lines.filter(present);
  const monthly = total(billed);
  return {
    variant: 'fargate',
    deployed: true,
    arch,
    monthlyUsd: monthly,
    per1000ImagesUsd: per1000(monthly, w),
    measuredWhere: w.measuredWhere,
    lines: billed,
    notes,
  };
}

/**
 * Lambda Managed Instances (priced, not deployed): EC2 instances plus the management fee plus
 * $0.20 per million requests; no GB-second duration charge; three instances at least.
 *
 * @example
 * ```ts
 * managedInstancesCost(w).lines.filter((l) => l.category === 'instances');
 * ```
 */
export function managedInstancesCost(w: Workload): VariantCost {
  const p = pricesFor(w.region);
  const lmi = p.managedInstances;
  const instance = lmi.instance[w.arch];
  const { instances, loadInstances } = managedInstanceCount(w, p);
  const ec2 = instances * MONTH_HOURS * instance.onDemand.usd;
  const t = traffic(w);
  const invocations = w.requestsPerMonth + t.controlRequests;
  const lines: Array<LineItem | null> = [
    {
      category: 'instances',
      usd: ec2,
      detail: `EC2: ${instances} × ${instance.type} (load ${nx(loadInstances, 2)} at ${nx(w.fargate.targetCpu * 100)}% CPU, min ${lmi.minInstances.value}) × ${MONTH_HOURS} h × ${rate(instance.onDemand)}`,
    },
    {
      category: 'instances',
      usd: ec2 * lmi.managementFee.value,
      detail: `management fee: ${nx(lmi.managementFee.value * 100)}% of the EC2 on-demand price`,
    },
    {
      category: 'requests',
      usd: invocations * lmi.requests.usd,
      detail: `${formatCount(invocations)} invocations × $0.20/M (no duration charge)`,
    },
    httpApiLine(w, p),
    s3Line(w, p),
    logsLine(w, p),
  ];
  const billed = lines.filter(present);
  const monthly = total(billed);
  return {
    variant: 'lambda-managed-instances',
    deployed: false,
    arch: w.arch,
    monthlyUsd: monthly,
    per1000ImagesUsd: per1000(monthly, w),
    measuredWhere: w.measuredWhere,
    lines: billed,
    notes: [
      'Priced, not deployed. Needs Node.js 22 or later; one environment takes many invocations at once, which saves nothing for CPU-bound work like ours.',
      `Instance: ${lmi.instanceChoice}`,
      'No cold starts to pay for: environments start before traffic arrives.',
    ],
  };
}

/**
 * Every variant's monthly cost for one workload.
 *
 * @example
 * ```ts
 * variantCosts(w).map((v) => [v.variant, v.monthlyUsd]);
 * ```
 */
export function variantCosts(w: Workload): VariantCost[] {
  return [
    lambdaCost(w, 'lambda-zip'),
    lambdaCost(w, 'lambda-image'),
    fargateCost(w),
    managedInstancesCost(w),
  ];
}
