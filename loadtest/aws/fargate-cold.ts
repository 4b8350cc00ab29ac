/**
 * Fargate's cold start: the service scaled to zero and back, each new task timed from its ECS
 * timestamps, and the burst held until the load balancer answers for the new tasks.
 *
 * - Application Auto Scaling would put tasks back below the service's minimum, so the minimum
 *   is zero meanwhile and restored after.
 * - The SDK's `services-stable` waiter succeeds when each service has one deployment and
 *   `runningCount == desiredCount` (clients/client-ecs/src/waiters/waitForServicesStable.ts in
 *   aws/aws-sdk-js-v3, read 2026-12): a RUNNING task is not yet a healthy target of the load
 *   balancer (two health checks 15 s apart, infra/lib/fargate-stack.ts). So after the tasks run,
 *   `GET /health` is asked through the load balancer until it answers 200 several times in a
 *   row, and task start and "healthy behind the ALB" are reported apart.
 * - The original count and minimum are written to a file before anything changes; an interrupt
 *   restores them (the target's close), and a run that finds the file restores from it first.
 */
import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import type { StackResource } from '@aws-sdk/client-cloudformation';

/** The parts of a stack resource read here. */
type ResourceIds = Partial<
  Pick<StackResource, 'LogicalResourceId' | 'PhysicalResourceId' | 'ResourceType'>
>;

import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  UpdateServiceCommand,
  waitUntilServicesStable,
} from '@aws-sdk/client-ecs';
import { percentile } from '../stats';
import type { AwsClients } from './clients';
import { clearPending, readPending, type ServiceOriginal, savePending } from './restore-state';

/** The ECS service of the fargate stack. */
export interface EcsService {
  readonly cluster: string;
  readonly service: string;
}

/**
 * The fargate stack's cluster and service from its resources (physical ids: the cluster's name,
 * the service's ARN, whose last segment is its name).
 *
 * @example
 * ```ts
 * ecsServiceFromResources(response.StackResources ?? []); // { cluster: 'c', service: 's' }
 * ```
 */
export function ecsServiceFromResources(resources: readonly ResourceIds[]): EcsService | undefined {
  const id = (type: string) => resources.find((r) => r.ResourceType === type)?.PhysicalResourceId;
  const cluster = id('AWS::ECS::Cluster');
  const service = id('AWS::ECS::Service')?.split('/').at(-1);
  return cluster && service ? { cluster, service } : undefined;
}

/** The Application Auto Scaling target of an ECS service's task count. */
export function scalableTargetOf({ cluster, service }: EcsService) {
  return {
    ServiceNamespace: 'ecs' as const,
    ResourceId: `service/${cluster}/${service}`,
    ScalableDimension: 'ecs:service:DesiredCount' as const,
  };
}

/** ECS UpdateService input that scales the fargate service. */
export function scaleServiceInput(cluster: string, service: string, desiredCount: number) {
  return { cluster, service, desiredCount };
}

/** An ECS task's timestamps, as DescribeTasks answers them. */
export interface TaskTimes {
  readonly taskArn?: string;
  readonly createdAt?: Date | string;
  readonly pullStartedAt?: Date | string;
  readonly pullStoppedAt?: Date | string;
  readonly startedAt?: Date | string;
}

/**
 * A Fargate task's cold start from its timestamps: provisioning (created → pull start), image
 * pull, and container start (pull stop → running), ms.
 *
 * @example
 * ```ts
 * taskStartup({ createdAt: '2026-11-28T10:00:00Z', pullStartedAt: '2026-11-28T10:00:10Z',
 *   pullStoppedAt: '2026-11-28T10:00:25Z', startedAt: '2026-11-28T10:00:27Z' }).totalMs; // 27000
 * ```
 */
export function taskStartup(task: TaskTimes): {
  provisioningMs: number;
  pullMs: number;
  startMs: number;
  totalMs: number;
} {
  const t = (v: Date | string | undefined) =>
    v === undefined ? Number.NaN : new Date(v).getTime();
  const created = t(task.createdAt);
  const pullStart = t(task.pullStartedAt);
  const pullStop = t(task.pullStoppedAt);
  const started = t(task.startedAt);
  return {
    provisioningMs: pullStart - created,
    pullMs: pullStop - pullStart,
    startMs: started - pullStop,
    totalMs: started - created,
  };
}

export interface FargateTiming {
  /** services-stable waiter delays and limit, s (the SDK's defaults are 15 and 600 s). */
  readonly minDelayS: number;
  readonly maxDelayS: number;
  readonly maxWaitS: number;
  /** Between two `GET /health` through the load balancer. */
  readonly healthPollMs: number;
  /** Give up waiting for the load balancer after this long; the burst then runs and fails. */
  readonly healthDeadlineMs: number;
}

export const FARGATE_TIMING: FargateTiming = {
  minDelayS: 15,
  maxDelayS: 30,
  maxWaitS: 900,
  healthPollMs: 2_000,
  healthDeadlineMs: 300_000,
};

/**
 * Puts the service back: its auto-scaling minimum, then its task count. Does not wait: the
 * values are what matters, and an interrupted run has seconds to exit.
 *
 * @example
 * ```ts
 * await restoreService(clients, original);
 * ```
 */
export async function restoreService(
  clients: Pick<AwsClients, 'ecs' | 'autoscaling'>,
  original: ServiceOriginal,
): Promise<void> {
  if (original.minCapacity !== undefined) {
    await clients.autoscaling.send(
      new RegisterScalableTargetCommand({
        ...scalableTargetOf(original),
        MinCapacity: original.minCapacity,
      }),
    );
  }
  await clients.ecs.send(
    new UpdateServiceCommand(
      scaleServiceInput(original.cluster, original.service, original.desiredCount),
    ),
  );
}

/**
 * Restores a service an earlier run left scaled down (its restore file exists), then forgets
 * the file. Answers what it did, or undefined when there was nothing to do.
 *
 * @example
 * ```ts
 * const done = await restorePending(clients, 'reports/.aws-state', 'cartoon-compute-dev-fargate');
 * ```
 */
export async function restorePending(
  clients: Pick<AwsClients, 'ecs' | 'autoscaling'>,
  stateDir: string,
  stackName: string,
): Promise<string | undefined> {
  const pending = readPending(stateDir, stackName);
  if (pending === undefined) return undefined;
  await restoreService(clients, pending);
  clearPending(stateDir, stackName);
  return (
    `restored ${pending.service} to ${pending.desiredCount} task(s)` +
    (pending.minCapacity === undefined ? '' : `, minimum ${pending.minCapacity}`) +
    `: an interrupted run of ${pending.savedAt} had left it scaled down`
  );
}

/**
 * Waits until `GET <url>/health` through the load balancer answers 200 `streak` times in a
 * row. Answers how long it took, or undefined at the deadline.
 *
 * @example
 * ```ts
 * await healthyBehindLoadBalancer('http://my-alb.eu-west-1.elb.amazonaws.com', 4, FARGATE_TIMING);
 * ```
 */
export async function healthyBehindLoadBalancer(
  url: string,
  streak: number,
  timing: Pick<FargateTiming, 'healthPollMs' | 'healthDeadlineMs'>,
): Promise<number | undefined> {
  const started = Date.now();
  let inRow = 0;
  while (Date.now() - started < timing.healthDeadlineMs) {
    let ok = false;
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) });
      await response.arrayBuffer();
      ok = response.status === 200;
    } catch {
      ok = false;
    }
    inRow = ok ? inRow + 1 : 0;
    if (inRow >= streak) return Date.now() - started;
    await new Promise((r) =>
      setTimeout(r, ok ? Math.min(250, timing.healthPollMs) : timing.healthPollMs),
    );
  }
  return undefined;
}

export interface ScaleFromZeroOptions {
  readonly stackName: string;
  readonly service: EcsService;
  /** The load balancer's base URL, for `/health`. */
  readonly url: string | undefined;
  readonly stateDir: string;
  readonly timing: FargateTiming;
  /** Registers the restore an interrupt must run; the returned function unregisters it. */
  readonly onPending: (restore: () => Promise<void>) => () => void;
}

/**
 * Scales the service to zero and back to its size, waits for the tasks to run and for the
 * load balancer to answer, and restores the auto-scaling minimum.
 *
 * @example
 * ```ts
 * const { how } = await scaleFromZero(clients, { stackName, service, url, stateDir, timing: FARGATE_TIMING, onPending });
 * ```
 */
export async function scaleFromZero(
  clients: Pick<AwsClients, 'ecs' | 'autoscaling'>,
  options: ScaleFromZeroOptions,
): Promise<{ cold: boolean; how: string }> {
  const { cluster, service } = options.service;
  const { timing } = options;
  const described = await clients.ecs.send(
    new DescribeServicesCommand({ cluster, services: [service] }),
  );
  const scalable = scalableTargetOf(options.service);
  const targets = await clients.autoscaling.send(
    new DescribeScalableTargetsCommand({
      ServiceNamespace: scalable.ServiceNamespace,
      ResourceIds: [scalable.ResourceId],
      ScalableDimension: scalable.ScalableDimension,
    }),
  );
  const minimum = targets.ScalableTargets?.[0]?.MinCapacity;
  const desired = Math.max(1, described.services?.[0]?.desiredCount ?? 0, minimum ?? 0);
  const original: ServiceOriginal = {
    stackName: options.stackName,
    cluster,
    service,
    desiredCount: desired,
    ...(minimum === undefined ? {} : { minCapacity: minimum }),
    savedAt: new Date().toISOString(),
  };
  const file = savePending(options.stateDir, original);
  const restore = async () => {
    await restoreService(clients, original);
    clearPending(options.stateDir, options.stackName);
  };
  const unregister = options.onPending(restore);
  const wait = () =>
    waitUntilServicesStable(
      {
        client: clients.ecs,
        minDelay: timing.minDelayS,
        maxDelay: timing.maxDelayS,
        maxWaitTime: timing.maxWaitS,
      },
      { cluster, services: [service] },
    );
  let healthyMs: number | undefined;
  let runningMs: number;
  try {
    if (minimum !== undefined) {
      await clients.autoscaling.send(
        new RegisterScalableTargetCommand({ ...scalable, MinCapacity: 0 }),
      );
    }
    await clients.ecs.send(new UpdateServiceCommand(scaleServiceInput(cluster, service, 0)));
    await wait();
    const scaledUp = Date.now();
    await clients.ecs.send(new UpdateServiceCommand(scaleServiceInput(cluster, service, desired)));
    await wait();
    runningMs = Date.now() - scaledUp;
    healthyMs =
      options.url === undefined
        ? undefined
        : await healthyBehindLoadBalancer(options.url, Math.max(3, 2 * desired), timing);
    if (healthyMs !== undefined) healthyMs += runningMs;
  } catch (err) {
    throw new Error(
      `${(err as Error).message ?? String(err)} (the service is being restored from ${file})`,
    );
  } finally {
    unregister();
    await restore();
  }

  const listed = await clients.ecs.send(
    new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'RUNNING' }),
  );
  const tasks = listed.taskArns?.length
    ? await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: listed.taskArns }))
    : { tasks: [] };
  const startups = (tasks.tasks ?? []).map(taskStartup).filter((t) => Number.isFinite(t.totalMs));
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const health =
    healthyMs === undefined
      ? `; NOT healthy behind the load balancer after ${s(timing.healthDeadlineMs)} s of GET /health`
      : `; healthy behind the load balancer ${s(healthyMs)} s after scaling up (GET /health through it, ${Math.max(3, 2 * desired)} answers of 200 in a row)`;
  if (startups.length === 0) {
    return {
      cold: true,
      how: `scaled from zero to ${desired} task(s), running after ${s(runningMs)} s; no task timestamps${health}`,
    };
  }
  const p50 = (pick: (t: ReturnType<typeof taskStartup>) => number) =>
    s(
      percentile(
        startups.map(pick).sort((a, b) => a - b),
        50,
      ),
    );
  return {
    cold: true,
    how:
      `scaled from zero to ${desired} task(s); task start p50 ${p50((t) => t.totalMs)} s ` +
      `(provisioning ${p50((t) => t.provisioningMs)} s, image pull ${p50((t) => t.pullMs)} s, ` +
      `container start ${p50((t) => t.startMs)} s; ECS task timestamps)${health}`,
  };
}
