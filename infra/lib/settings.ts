/**
 * The CDK app's settings, read once from CDK context (`cdk synth -c apiMemory=3008`, or the
 * `context` handed to `buildApp` in tests), each with its range, failing with the key's name.
 * Context rather than CfnParameters: the queue's visibility timeout is computed from the
 * function timeout, and CloudFormation has no arithmetic, so the values must be known at synth.
 * Defaults mirror serverless.yml's `params.default`, so the three variants are sized alike.
 */

import { type ContextReader, readInteger } from './context-values';
import {
  describeFargateMemory,
  FARGATE_TASK_MEMORY,
  fargateAllows,
  fargateMemoryRange,
} from './fargate-task-sizes';

export type { ContextReader } from './context-values';

/** Settings both stacks share: the bucket, the queues, logs, and the service's own variables. */
export interface CommonSettings {
  /** Part of every stack and bucket name, like serverless.yml's `--stage`. */
  readonly stage: string;
  /**
   * A development stage (`dev`, `local`): plain HTTP allowed, no deletion protection or load
   * balancer access logs, and the local console's origin allowed by the bucket's CORS rule.
   */
  readonly development: boolean;
  readonly logRetentionDays: number;
  readonly logLevel: string;
  /**
   * Browser origins allowed to PUT to presigned upload URLs, besides the variant's own front
   * door (whose page uploads there): `-c corsOrigin=https://a.example,https://b.example`. Never
   * `*`; a development stage allows the local console (http://127.0.0.1:8000) by default.
   */
  readonly corsOrigins: readonly string[];
  readonly uploadsExpireDays: number;
  readonly resultsExpireDays: number;
  /** Receives of one S3 notification before it moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /**
   * The services/shared/config.ts variables given in context (MAX_UPLOAD_BYTES, ...). Unset ones
   * are left out, so config.ts stays the one home of their defaults.
   */
  readonly serviceEnvironment: Readonly<Record<string, string>>;
}

export interface LambdaImageSettings extends CommonSettings {
  readonly apiMemory: number;
  readonly apiTimeout: number;
  /** Environments the API may use at once: a public URL must not take the account's concurrency. */
  readonly apiReservedConcurrency: number;
  readonly apiThrottleRate: number;
  readonly apiThrottleBurst: number;
  readonly queueMemory: number;
  readonly queueTimeout: number;
  /** The event source mapping's cap on concurrent queue functions. */
  readonly queueMaxConcurrency: number;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
}

export interface FargateSettings extends CommonSettings {
  /** Task CPU units (1024 = 1 vCPU) and memory in MiB, one of Fargate's valid pairs. */
  readonly cpu: number;
  readonly memory: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly cpuTargetPercent: number;
  /** Run on Fargate Spot, which is x86_64 only, so the x86_64 image is used. */
  readonly spot: boolean;
  /**
   * The ACM certificate of the ALB's HTTPS listener (HTTP is redirected to it). Required for
   * every stage but a development one, where without it the ALB listens on plain HTTP.
   */
  readonly certificateArn?: string;
  /**
   * Requests one client IP may send in `wafRateWindowSeconds` before AWS WAF answers 429: the
   * web ACL's rate-based rule on the ALB.
   */
  readonly wafRateLimit: number;
  readonly wafRateWindowSeconds: number;
  /** Optional cap on requests one task serves at once (the container's MAX_IN_FLIGHT). */
  readonly maxInFlight?: number;
  /** How long a message stays hidden while a task works on it. */
  readonly queueVisibilitySeconds: number;
}

/** The services/shared/config.ts variables the app passes through when set in context. */
const SERVICE_ENVIRONMENT_KEYS = {
  maxUploadBytes: 'MAX_UPLOAD_BYTES',
  maxPixels: 'MAX_PIXELS',
  maxSyncBytes: 'MAX_SYNC_BYTES',
  urlTtlSeconds: 'URL_TTL_SECONDS',
  s3MaxSide: 'S3_MAX_SIDE',
} as const;

/** Stages that may serve plain HTTP and skip the production protections. */
export const DEVELOPMENT_STAGES: readonly string[] = ['dev', 'local'];

/** Where `npm start` serves the console page (scripts/start-local-cloud.ts, --console-port). */
const LOCAL_CONSOLE_ORIGINS = ['http://127.0.0.1:8000', 'http://localhost:8000'];

/**
 * AWS WAF rate-based rules count over 60, 120, 300 or 600 s, and take a limit of 10 to
 * 2,000,000,000 (AWS WAF developer guide, "Rate-based rule statement",
 * https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html,
 * read 2026-12).
 */
const WAF_RATE_WINDOWS = [60, 120, 300, 600];

/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

function optionalInteger(get: ContextReader, key: string, min: number, max: number) {
  const raw = get(key);
  return raw === undefined || raw === '' ? undefined : readInteger(get, key, 0, min, max);
}

function text(get: ContextReader, key: string, fallback: string, pattern: RegExp): string {
  const raw = get(key);
  if (raw === undefined || raw === '') return fallback;
  const value = String(raw);
  if (!pattern.test(value)) throw new Error(`context ${key} must match ${pattern}; got '${value}'`);
  return value;
}

/**
 * Origins from a comma-separated context value: each `http(s)://host[:port]` with no path, and
 * never `*`, which would let any web page read what the bucket answers to a presigned URL.
 */
function origins(get: ContextReader, key: string, fallback: readonly string[]): string[] {
  const raw = get(key);
  if (raw === undefined || raw === '') return [...fallback];
  const values = String(raw)
    .split(',')
    .map((value) => value.trim());
  for (const value of values) {
    if (!/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i.test(value)) {
      throw new Error(
        `context ${key} must be a comma-separated list of origins like https://app.example.com ` +
          `(no '*', no path); got '${value}'`,
      );
    }
  }
  return values;
}

function flag(get: ContextReader, key: string): boolean {
  const raw = get(key);
  if (raw === undefined || raw === '' || raw === false || raw === 'false') return false;
  if (raw === true || raw === 'true') return true;
  throw new Error(`context ${key} must be true or false; got '${raw}'`);
}

function readCommon(get: ContextReader): CommonSettings {
  const logRetentionDays = readInteger(get, 'logRetentionDays', 14, 1, 3653);
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    throw new Error(
      `context logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}; got '${logRetentionDays}'`,
    );
  }
  const serviceEnvironment: Record<string, string> = {};
  const limits: Record<keyof typeof SERVICE_ENVIRONMENT_KEYS, [number, number]> = {
    maxUploadBytes: [1, 512 * 1024 * 1024],
    maxPixels: [1, 268_000_000],
    maxSyncBytes: [1, 512 * 1024 * 1024],
    urlTtlSeconds: [1, 3600],
    s3MaxSide: [16, 4096],
  };
  for (const [key, variable] of Object.entries(SERVICE_ENVIRONMENT_KEYS)) {
    const [min, max] = limits[key as keyof typeof SERVICE_ENVIRONMENT_KEYS];
    const value = optionalInteger(get, key, min, max);
    if (value !== undefined) serviceEnvironment[variable] = String(value);
  }
  // Lower case and short: it ends up in S3 bucket names (63 characters at most).
  const stage = text(get, 'stage', 'dev', /^[a-z][a-z0-9-]{0,9}$/);
  const development = DEVELOPMENT_STAGES.includes(stage);
  return {
    stage,
    development,
    logRetentionDays,
    logLevel: text(get, 'logLevel', 'INFO', /^(DEBUG|INFO|WARN|ERROR|SILENT)$/),
    corsOrigins: origins(get, 'corsOrigin', development ? LOCAL_CONSOLE_ORIGINS : []),
    uploadsExpireDays: readInteger(get, 'uploadsExpireDays', 7, 1, 3650),
    resultsExpireDays: readInteger(get, 'resultsExpireDays', 30, 1, 3650),
    maxReceiveCount: readInteger(get, 'maxReceiveCount', 3, 1, 1000),
    serviceEnvironment,
  };
}

/**
 * The region of an ACM certificate ARN: an ALB can only use a certificate of its own region, so
 * a stage with a certificate is deployed there (and its load balancer's access-log bucket policy
 * can name that region's Elastic Load Balancing principal).
 *
 * @example
 * ```ts
 * certificateRegion('arn:aws:acm:eu-west-1:123456789012:certificate/abc'); // 'eu-west-1'
 * ```
 */
export function certificateRegion(certificateArn: string): string {
  const region = certificateArn.split(':')[3];
  if (region === undefined || region === '') {
    throw new Error(`context certificateArn has no region: '${certificateArn}'`);
  }
  return region;
}

/**
 * The lambda-image stack's settings from context, with serverless.yml's defaults.
 *
 * @example
 * ```ts
 * const settings = readLambdaImageSettings((key) => app.node.tryGetContext(key));
 * settings.apiMemory; // 1769 unless `-c apiMemory=...` was given
 * ```
 */
export function readLambdaImageSettings(get: ContextReader): LambdaImageSettings {
  return {
    ...readCommon(get),
    // 1,769 MB is one full vCPU (AWS Lambda docs, "Memory and computing power", 2026-11).
    apiMemory: readInteger(get, 'apiMemory', 1769, 128, 10240),
    // HTTP API gives up after 30 s (API Gateway quotas, 2026-11); stop just before it.
    apiTimeout: readInteger(get, 'apiTimeout', 29, 1, 29),
    apiReservedConcurrency: readInteger(get, 'apiReservedConcurrency', 10, 1, 1000),
    // Demo-sized, as in serverless.yml: past them API Gateway answers 429 itself.
    apiThrottleRate: readInteger(get, 'apiThrottleRate', 20, 1, 10000),
    apiThrottleBurst: readInteger(get, 'apiThrottleBurst', 40, 1, 5000),
    queueMemory: readInteger(get, 'queueMemory', 2048, 128, 10240),
    queueTimeout: readInteger(get, 'queueTimeout', 60, 1, 900),
    // The mapping's own cap (2..1000) rather than reserved concurrency: a reserved cap makes
    // Lambda throttle the poller, and throttled receives count towards maxReceiveCount.
    queueMaxConcurrency: readInteger(get, 'queueMaxConcurrency', 20, 2, 1000),
    // Each image is seconds of CPU: small batches keep a batch well inside the timeout.
    batchSize: readInteger(get, 'batchSize', 5, 1, 10),
    maxBatchingWindowSeconds: readInteger(get, 'maxBatchingWindowSeconds', 1, 0, 300),
  };
}

/**
 * The fargate stack's settings from context.
 *
 * @example
 * ```ts
 * const settings = readFargateSettings((key) => ({ spot: 'true' })[key]);
 * settings.spot; // true: Fargate Spot with the x86_64 image
 * ```
 */
export function readFargateSettings(get: ContextReader): FargateSettings {
  const cpu = readInteger(get, 'cpu', 1024, 256, 16384);
  if (FARGATE_TASK_MEMORY[cpu] === undefined) {
    throw new Error(
      `context cpu must be one of ${Object.keys(FARGATE_TASK_MEMORY).join(', ')}; got '${cpu}'`,
    );
  }
  const [minMemory, maxMemory] = fargateMemoryRange(cpu);
  const memory = readInteger(get, 'memory', minMemory, minMemory, maxMemory);
  if (!fargateAllows(cpu, memory)) {
    throw new Error(
      `context memory must be ${describeFargateMemory(cpu, 'MiB')} for cpu ${cpu}; got '${memory}'`,
    );
  }

  const minTasks = readInteger(get, 'minTasks', 1, 1, 100);
  const maxTasks = readInteger(get, 'maxTasks', 4, 1, 100);
  if (maxTasks < minTasks) {
    throw new Error(`context maxTasks (${maxTasks}) must be at least minTasks (${minTasks})`);
  }
  const common = readCommon(get);
  const certificateArn = get('certificateArn');
  if (!common.development && (certificateArn === undefined || certificateArn === '')) {
    throw new Error(
      `context certificateArn is required for stage '${common.stage}': the ARN of an ACM ` +
        "certificate in the stack's region, for the load balancer's HTTPS listener " +
        `(-c certificateArn=arn:aws:acm:...). Only the ${DEVELOPMENT_STAGES.join(' and ')} ` +
        'stages may serve plain HTTP.',
    );
  }
  const wafRateWindowSeconds = readInteger(get, 'wafRateWindowSeconds', 300, 60, 600);
  if (!WAF_RATE_WINDOWS.includes(wafRateWindowSeconds)) {
    throw new Error(
      `context wafRateWindowSeconds must be one of ${WAF_RATE_WINDOWS.join(', ')}; got '${wafRateWindowSeconds}'`,
    );
  }
  const maxInFlight = optionalInteger(get, 'maxInFlight', 1, 1000);
  return {
    ...common,
    cpu,
    memory,
    minTasks,
    maxTasks,
    cpuTargetPercent: readInteger(get, 'cpuTargetPercent', 75, 10, 95),
    spot: flag(get, 'spot'),
    ...(certificateArn === undefined || certificateArn === ''
      ? {}
      : {
          certificateArn: text(
            get,
            'certificateArn',
            '',
            /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/,
          ),
        }),
    // 1,000 requests in 5 minutes is 3.3 a second from one address, sustained: far more than a
    // person with the page sends, and a tenth of what the tasks serve at the default size.
    // `npm run loadtest -- --target aws` from one machine needs it raised.
    wafRateLimit: readInteger(get, 'wafRateLimit', 1000, 10, 2_000_000_000),
    wafRateWindowSeconds,
    ...(maxInFlight === undefined ? {} : { maxInFlight }),
    queueVisibilitySeconds: readInteger(get, 'queueVisibilitySeconds', 300, 30, 43200),
  };
}

export interface EksSettings extends CommonSettings {
  /**
   * Addresses allowed to reach the cluster's public API endpoint, as CIDRs
   * (`-c eksApiCidrs=203.0.113.7/32`). None: the endpoint is private only. `npm run deploy:eks`
   * needs them, because it applies the manifests with kubectl from the machine it runs on,
   * which is outside the VPC; the nodes reach the API over the private endpoint either way.
   */
  readonly eksApiCidrs: readonly string[];
  /**
   * The IAM role or user given cluster-admin through an EKS access entry, so kubectl works
   * (`-c eksAdminArn=arn:aws:iam::123456789012:role/Admin`). None: nobody. The cluster's
   * creator gets no implicit admin: with the CDK's bootstrap that is CloudFormation's
   * execution role, which never runs kubectl.
   */
  readonly eksAdminArn?: string;
  /** The Graviton node pool's limit in vCPUs: Auto Mode launches no node past it. */
  readonly eksNodeCpuLimit: number;
  /** How long a message stays hidden while a pod works on it (as the fargate variant). */
  readonly queueVisibilitySeconds: number;
}

/** An IPv4 CIDR, `a.b.c.d/n`, each octet 0 to 255 and n 1 to 32 (never the whole internet). */
function ipv4Cidr(value: string): boolean {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (match === null) return false;
  const [, a, b, c, d, bits] = match.map(Number);
  return (
    [a, b, c, d].every((octet) => octet !== undefined && octet <= 255) &&
    (bits ?? 0) >= 1 &&
    (bits ?? 0) <= 32
  );
}

/**
 * The eks stack's settings from context: the ones both container variants share, and the
 * cluster's API access and node budget.
 *
 * @example
 * ```ts
 * const settings = readEksSettings((key) => ({ eksApiCidrs: '203.0.113.7/32' })[key]);
 * settings.eksApiCidrs; // ['203.0.113.7/32']: public endpoint for that address, private too
 * ```
 */
export function readEksSettings(get: ContextReader): EksSettings {
  const raw = get('eksApiCidrs');
  const eksApiCidrs =
    raw === undefined || raw === ''
      ? []
      : String(raw)
          .split(',')
          .map((value) => value.trim());
  for (const cidr of eksApiCidrs) {
    if (!ipv4Cidr(cidr)) {
      throw new Error(
        'context eksApiCidrs must be a comma-separated list of IPv4 CIDRs like 203.0.113.7/32 ' +
          `(not 0.0.0.0/0: the API endpoint would be open to the internet); got '${cidr}'`,
      );
    }
  }
  const adminArn = get('eksAdminArn');
  return {
    ...readCommon(get),
    eksApiCidrs,
    ...(adminArn === undefined || adminArn === ''
      ? {}
      : {
          eksAdminArn: text(
            get,
            'eksAdminArn',
            '',
            /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/,
          ),
        }),
    // Room for the HPA's and KEDA's maxima at the default pod size (4 web and 4 worker pods of
    // 1 vCPU), KEDA and the metrics server, and a node being replaced.
    eksNodeCpuLimit: readInteger(get, 'eksNodeCpuLimit', 16, 2, 1000),
    queueVisibilitySeconds: readInteger(get, 'queueVisibilitySeconds', 300, 30, 43200),
  };
}
