/**
 * What the eks variant's manifests are built from: a small typed input (namespace, image, the
 * bucket and queue the CDK stack made, region, replica bounds, the pod size), read and checked
 * once, failing with a message that names the key. Defaults come from the fargate variant's
 * own settings (infra/lib/settings.ts), so the two container variants are sized alike.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readFargateConfig } from '../../services/fargate/config';
import {
  describeFargateMemory,
  FARGATE_TASK_MEMORY,
  fargateAllows,
} from '../lib/fargate-task-sizes';
import { readFargateSettings } from '../lib/settings';

/** One of Fargate's task sizes: CPU units (1,024 to a vCPU) and memory in MiB. */
export interface TaskSize {
  readonly cpu: number;
  readonly memory: number;
}

export interface EksManifestInput {
  /** The Kubernetes namespace everything namespaced goes in. */
  readonly namespace: string;
  /** The fargate container image (arm64), e.g. an ECR URI with a digest or tag. */
  readonly image: string;
  readonly bucket: string;
  /** The S3 notification queue the worker polls and KEDA scales on. */
  readonly queueUrl: string;
  readonly region: string;
  /** Web pods at least (the HPA's minimum); 2 or more, so one zone's loss leaves one serving. */
  readonly replicas: number;
  /** The HPA's maximum for the web pods. */
  readonly maxReplicas: number;
  /** The HPA's target: average CPU use of the web pods' requests, in percent. */
  readonly cpuTargetPercent: number;
  /** The KEDA worker's bounds: 0 lets an idle queue cost no pod. */
  readonly workerMinReplicas: number;
  readonly workerMaxReplicas: number;
  /** KEDA's target backlog per worker pod (visible plus in-flight messages). */
  readonly messagesPerWorker: number;
  /** Requests and limits of every pod: the fargate task size. */
  readonly taskSize: TaskSize;
  /** The server's deadline after SIGTERM (its STOP_TIMEOUT_SECONDS, 1 to 120). */
  readonly stopTimeoutSeconds: number;
  /** ACM certificates for the ALB's HTTPS listener; none: HTTP only. */
  readonly certificateArns: readonly string[];
  /** APP_VERSION, reported by GET /health: package.json's version by default. */
  readonly version: string;
}

const KEYS: readonly (keyof EksManifestInput)[] = [
  'namespace',
  'image',
  'bucket',
  'queueUrl',
  'region',
  'replicas',
  'maxReplicas',
  'cpuTargetPercent',
  'workerMinReplicas',
  'workerMaxReplicas',
  'messagesPerWorker',
  'taskSize',
  'stopTimeoutSeconds',
  'certificateArns',
  'version',
];

/** What must be given; the rest has a default. */
export type EksManifestInputOptions = Pick<
  EksManifestInput,
  'image' | 'bucket' | 'queueUrl' | 'region'
> &
  Partial<EksManifestInput>;

/**
 * The fargate server's own default deadline after SIGTERM (services/fargate/config.ts), read
 * from its config reader rather than copied.
 */
function serverDefaultStopSeconds(): number {
  return readFargateConfig({ BUCKET_NAME: 'defaults' }, 1, 1).stopTimeoutMs / 1000;
}

function packageVersion(): string {
  const file = path.join(__dirname, '..', '..', 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

function fail(key: string, expected: string, got: unknown): never {
  throw new Error(`eks manifests: ${key} must be ${expected}; got ${JSON.stringify(got)}`);
}

function integer(key: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(key, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

function text(key: string, value: unknown, pattern: RegExp, expected: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) fail(key, expected, value);
  return value;
}

/**
 * The complete input from `options`, each value checked; unknown keys (a typo that a cast let
 * through) are refused rather than ignored.
 *
 * @example
 * ```ts
 * const input = readEksManifestInput({
 *   image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/cartoon:1', bucket: 'b',
 *   queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q', region: 'eu-west-1',
 * });
 * input.replicas; // 2
 * readEksManifestInput({ ...options, replicas: 1 }); // throws "... replicas must be an integer from 2 to 100; got 1"
 * ```
 */
export function readEksManifestInput(options: EksManifestInputOptions): EksManifestInput {
  const unknown = Object.keys(options).filter((key) => !(KEYS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new Error(
      `eks manifests: unknown input key ${unknown.map((key) => `'${key}'`).join(', ')}; ` +
        `expected ${KEYS.join(', ')}`,
    );
  }
  const fargate = readFargateSettings(() => undefined);
  const taskSize = options.taskSize ?? { cpu: fargate.cpu, memory: fargate.memory };
  if (FARGATE_TASK_MEMORY[taskSize.cpu] === undefined) {
    fail('taskSize.cpu', `one of ${Object.keys(FARGATE_TASK_MEMORY).join(', ')}`, taskSize.cpu);
  }
  if (!fargateAllows(taskSize.cpu, taskSize.memory)) {
    fail(
      'taskSize.memory',
      `${describeFargateMemory(taskSize.cpu, 'MiB')} for cpu ${taskSize.cpu}`,
      taskSize.memory,
    );
  }
  // Two web pods at least: the zone spread needs two to spread, and a one-pod service is
  // down for every rollout and node replacement.
  const replicas = integer('replicas', options.replicas ?? Math.max(2, fargate.minTasks), 2, 100);
  const maxReplicas = integer(
    'maxReplicas',
    options.maxReplicas ?? Math.max(replicas, fargate.maxTasks),
    replicas,
    100,
  );
  const workerMinReplicas = integer('workerMinReplicas', options.workerMinReplicas ?? 0, 0, 100);
  const certificateArns = options.certificateArns ?? [];
  for (const [index, arn] of certificateArns.entries()) {
    text(
      `certificateArns[${index}]`,
      arn,
      /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/,
      'an ACM certificate ARN',
    );
  }
  return {
    // An RFC 1123 label, as Kubernetes requires of namespace names.
    namespace: text(
      'namespace',
      options.namespace ?? 'cartoon-compute',
      /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
      'a DNS label (lower case, digits, -)',
    ),
    image: text(
      'image',
      options.image,
      /^[^\s]+\/[^\s]+$/,
      'an image reference like host/repo:tag',
    ),
    bucket: text(
      'bucket',
      options.bucket,
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      'an S3 bucket name',
    ),
    queueUrl: text(
      'queueUrl',
      options.queueUrl,
      /^https?:\/\/\S+\/\d{12}\/\S+$/,
      'an SQS queue URL',
    ),
    region: text(
      'region',
      options.region,
      /^[a-z]{2}(-[a-z]+)+-\d$/,
      'an AWS region like eu-west-1',
    ),
    replicas,
    maxReplicas,
    cpuTargetPercent: integer(
      'cpuTargetPercent',
      options.cpuTargetPercent ?? fargate.cpuTargetPercent,
      10,
      95,
    ),
    workerMinReplicas,
    workerMaxReplicas: integer(
      'workerMaxReplicas',
      options.workerMaxReplicas ?? Math.max(1, workerMinReplicas, fargate.maxTasks),
      Math.max(1, workerMinReplicas),
      100,
    ),
    // KEDA's own default target (keda.sh/docs/2.21/scalers/aws-sqs, read 2026-12).
    messagesPerWorker: integer('messagesPerWorker', options.messagesPerWorker ?? 5, 1, 1000),
    taskSize: { cpu: taskSize.cpu, memory: taskSize.memory },
    stopTimeoutSeconds: integer(
      'stopTimeoutSeconds',
      options.stopTimeoutSeconds ?? serverDefaultStopSeconds(),
      1,
      120,
    ),
    certificateArns: [...certificateArns],
    version: text('version', options.version ?? packageVersion(), /^\S{1,64}$/, 'a version string'),
  };
}
