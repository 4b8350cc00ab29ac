/**
 * The load test's view of deployed stacks: endpoints from the stacks' outputs (CloudFormation
 * DescribeStacks), new Lambda environments forced by changing an environment variable
 * (UpdateFunctionConfiguration: Lambda retires every environment of the old configuration),
 * REPORT figures from CloudWatch Logs Insights (StartQuery / GetQueryResults), read by the one
 * parser in local-cloud/report-log.ts.
 *
 * Fargate's cold start scales the service to zero and back (ECS UpdateService, with the
 * service's auto-scaling minimum lowered to zero meanwhile so that Application Auto Scaling does
 * not refill it) and times each new task from its ECS timestamps (DescribeTasks).
 */

import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  type DescribeScalableTargetsCommandOutput,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  type DescribeStackResourcesCommandOutput,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
} from '@aws-sdk/client-cloudformation';
import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  StartQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeServicesCommand,
  type DescribeServicesCommandOutput,
  DescribeTasksCommand,
  type DescribeTasksCommandOutput,
  ECSClient,
  ListTasksCommand,
  type ListTasksCommandOutput,
  UpdateServiceCommand,
  waitUntilServicesStable,
} from '@aws-sdk/client-ecs';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { type InsightsRow, parseInsightsRow, type Report } from '../local-cloud/report-log';
import { percentile } from './stats';
import type { Target, VariantEndpoint } from './target';

/** The stacks each variant deploys as, per stage (serverless.yml, infra/lib/app.ts). */
export function stackNames(stage: string): Record<string, string> {
  return {
    'lambda-zip': `cartoon-compute-${stage}`,
    'lambda-image': `cartoon-compute-${stage}-lambda-image`,
    fargate: `cartoon-compute-${stage}-fargate`,
  };
}

/** The variable changed to force new environments; the handlers ignore it. */
export const COLD_VARIABLE = 'LOADTEST_COLD_START';

/**
 * Logs Insights query for REPORT events: Insights discovers these fields itself.
 *
 * @example
 * ```ts
 * REPORT_QUERY; // 'filter @type = "REPORT" | fields @requestId, …'
 * ```
 */
export const REPORT_QUERY =
  'filter @type = "REPORT" | fields @timestamp, @requestId, @duration, @billedDuration, @memorySize, @maxMemoryUsed, @initDuration | sort @timestamp asc | limit 10000';

type Output = { OutputKey?: string; OutputValue?: string };

/**
 * A variant's endpoint from its stack's outputs (`HttpApiUrl` from serverless, `ApiUrl` from the
 * CDK stacks; `BucketName` from both).
 *
 * @example
 * ```ts
 * endpointFromOutputs('lambda-zip', [{ OutputKey: 'HttpApiUrl', OutputValue: 'https://x.execute-api…' }]);
 * ```
 */
export function endpointFromOutputs(variant: string, outputs: readonly Output[]): VariantEndpoint {
  const get = (key: string) => outputs.find((o) => o.OutputKey === key)?.OutputValue;
  const url = (get('HttpApiUrl') ?? get('ApiUrl'))?.replace(/\/$/, '');
  const bucket = get('BucketName');
  return {
    name: variant,
    ...(url ? { url } : {}),
    ...(bucket ? { bucket } : {}),
    lambda: variant !== 'fargate',
  };
}

/**
 * The HTTP function of a stack (its logical id starts with `Api`: serverless's `ApiLambdaFunction`,
 * the CDK's `Api…`).
 *
 * @example
 * ```ts
 * apiFunctionFromResources(response.StackResources ?? []); // 'cartoon-compute-dev-api'
 * ```
 */
export function apiFunctionFromResources(
  resources: NonNullable<DescribeStackResourcesCommandOutput['StackResources']>,
): string | undefined {
  return resources.find(
    (r) => r.ResourceType === 'AWS::Lambda::Function' && /^Api/i.test(r.LogicalResourceId ?? ''),
  )?.PhysicalResourceId;
}

/**
 * The UpdateFunctionConfiguration input that forces new environments: the current variables
 * with one changed (Lambda replaces the whole map, so the others must be sent back).
 *
 * @example
 * ```ts
 * coldConfigurationInput('cartoon-compute-dev-api', { BUCKET: 'b' }, 'run-1');
 * // { FunctionName: 'cartoon-compute-dev-api', Environment: { Variables: { BUCKET: 'b', LOADTEST_COLD_START: 'run-1' } } }
 * ```
 */
export function coldConfigurationInput(
  functionName: string,
  current: Readonly<Record<string, string>>,
  marker: string,
): { FunctionName: string; Environment: { Variables: Record<string, string> } } {
  return {
    FunctionName: functionName,
    Environment: { Variables: { ...current, [COLD_VARIABLE]: marker } },
  };
}

/**
 * StartQuery input for a function's REPORT lines in a time window (Insights takes seconds).
 *
 * @example
 * ```ts
 * startQueryInput('cartoon-compute-dev-api', 1_764_000_000_000, 1_764_000_060_000);
 * ```
 */
export function startQueryInput(functionName: string, fromMs: number, toMs: number) {
  return {
    logGroupName: `/aws/lambda/${functionName}`,
    startTime: Math.floor(fromMs / 1000),
    // Insights' end is inclusive to the second; round up so the last REPORT is inside.
    endTime: Math.ceil(toMs / 1000),
    queryString: REPORT_QUERY,
    limit: 10_000,
  };
}

/**
 * The REPORT figures of a finished query.
 *
 * @example
 * ```ts
 * reportsFromQueryResults(await logs.send(new GetQueryResultsCommand({ queryId })));
 * ```
 */
export function reportsFromQueryResults(
  output: Pick<GetQueryResultsCommandOutput, 'results'>,
): Report[] {
  return (output.results ?? []).flatMap((row) => {
    const report = parseInsightsRow(
      row.map((f) => ({ field: f.field ?? '', value: f.value ?? '' })) as InsightsRow,
    );
    return report ? [report] : [];
  });
}

/** ECS UpdateService input that scales the fargate service (to 0, then back). */
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

/** The slice of the SDK clients used, so tests hand in recorders. */
export interface AwsClients {
  readonly cloudformation: Pick<CloudFormationClient, 'send'>;
  readonly lambda: Pick<LambdaClient, 'send'>;
  readonly logs: Pick<CloudWatchLogsClient, 'send'>;
  /** Waits for a configuration update to finish; the SDK waiter by default. */
  readonly waitUpdated?: (functionName: string) => Promise<void>;
  readonly ecs?: Pick<ECSClient, 'send'>;
  readonly autoscaling?: Pick<ApplicationAutoScalingClient, 'send'>;
  /** Waits until the service runs its desired count; the SDK waiter by default. */
  readonly waitStable?: (service: EcsService) => Promise<void>;
}

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
export function ecsServiceFromResources(
  resources: NonNullable<DescribeStackResourcesCommandOutput['StackResources']>,
): EcsService | undefined {
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

/**
 * Endpoints of every deployed variant from its stack's outputs; variants without a stack are
 * left out with a note.
 *
 * @example
 * ```ts
 * const { variants, functions } = await discover(clients, 'dev', ['lambda-zip'], console.log);
 * ```
 */
export async function discover(
  clients: AwsClients,
  stage: string,
  variants: readonly string[],
  note: (line: string) => void,
): Promise<{
  variants: VariantEndpoint[];
  functions: Map<string, string>;
  service?: EcsService;
}> {
  const names = stackNames(stage);
  const found: VariantEndpoint[] = [];
  const functions = new Map<string, string>();
  let service: EcsService | undefined;
  for (const variant of variants) {
    const StackName = names[variant];
    if (StackName === undefined) continue;
    let stacks: DescribeStacksCommandOutput;
    try {
      stacks = (await clients.cloudformation.send(
        new DescribeStacksCommand({ StackName }),
      )) as DescribeStacksCommandOutput;
    } catch (err) {
      note(
        `${variant}: no stack ${StackName} (${err instanceof Error ? err.message : String(err)})`,
      );
      continue;
    }
    found.push(endpointFromOutputs(variant, stacks.Stacks?.[0]?.Outputs ?? []));
    const resources = (await clients.cloudformation.send(
      new DescribeStackResourcesCommand({ StackName }),
    )) as DescribeStackResourcesCommandOutput;
    if (variant === 'fargate') {
      service = ecsServiceFromResources(resources.StackResources ?? []);
      continue;
    }
    const fn = apiFunctionFromResources(resources.StackResources ?? []);
    if (fn) functions.set(variant, fn);
  }
  return { variants: found, functions, ...(service ? { service } : {}) };
}

async function queryReports(
  clients: AwsClients,
  functionName: string,
  fromMs: number,
  toMs: number,
): Promise<Report[]> {
  const { queryId } = (await clients.logs.send(
    new StartQueryCommand(startQueryInput(functionName, fromMs, toMs)),
  )) as {
    queryId?: string;
  };
  if (!queryId) return [];
  for (let i = 0; i < 60; i++) {
    const out = (await clients.logs.send(
      new GetQueryResultsCommand({ queryId }),
    )) as GetQueryResultsCommandOutput;
    if (out.status === 'Complete') return reportsFromQueryResults(out);
    if (out.status === 'Failed' || out.status === 'Cancelled' || out.status === 'Timeout') {
      throw new Error(`Logs Insights query ${queryId} ${out.status}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`Logs Insights query ${queryId} did not finish in 60 s`);
}

/**
 * The target for deployed stacks.
 *
 * @example
 * ```ts
 * const target = await awsTarget({ stage: 'dev', region: 'us-east-1', variants: ['lambda-zip', 'fargate'] });
 * ```
 */
export async function awsTarget(options: {
  readonly stage: string;
  readonly region: string;
  readonly variants: readonly string[];
  readonly note?: (line: string) => void;
  readonly clients?: AwsClients;
}): Promise<Target> {
  const note = options.note ?? (() => undefined);
  const owned = options.clients === undefined;
  const clients: AwsClients = options.clients ?? {
    cloudformation: new CloudFormationClient({ region: options.region }),
    lambda: new LambdaClient({ region: options.region }),
    logs: new CloudWatchLogsClient({ region: options.region }),
    ecs: new ECSClient({ region: options.region }),
    autoscaling: new ApplicationAutoScalingClient({ region: options.region }),
  };
  const lambda = clients.lambda;
  const waitUpdated =
    clients.waitUpdated ??
    (async (FunctionName: string) => {
      await waitUntilFunctionUpdatedV2(
        { client: lambda as LambdaClient, maxWaitTime: 120 },
        { FunctionName },
      );
    });
  const { variants, functions, service } = await discover(
    clients,
    options.stage,
    options.variants,
    note,
  );
  if (variants.length === 0)
    throw new Error(`no stack of ${options.variants.join(', ')} found for stage ${options.stage}`);
  return {
    where: 'aws',
    label: `AWS ${options.region}, stage ${options.stage}`,
    variants,
    s3: { region: options.region },
    async makeCold(variant) {
      if (variant === 'fargate') {
        if (
          service === undefined ||
          clients.ecs === undefined ||
          clients.autoscaling === undefined
        ) {
          return { cold: false, how: 'not forced: the stack names no ECS service' };
        }
        return scaleFromZero(clients, service);
      }
      const fn = functions.get(variant);
      if (fn === undefined) {
        return { cold: false, how: 'not forced: the stack names no API function' };
      }
      const config = (await lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: fn }),
      )) as {
        Environment?: { Variables?: Record<string, string> };
      };
      await lambda.send(
        new UpdateFunctionConfigurationCommand(
          coldConfigurationInput(fn, config.Environment?.Variables ?? {}, new Date().toISOString()),
        ),
      );
      await waitUpdated(fn);
      return {
        cold: true,
        how: `${COLD_VARIABLE} changed by UpdateFunctionConfiguration: every environment replaced`,
      };
    },
    async markLogs() {
      return Date.now();
    },
    async reportsSince(variant, mark) {
      const fn = functions.get(variant);
      if (fn === undefined) return [];
      // REPORT lines reach CloudWatch Logs within seconds; Insights indexes them a little later.
      await new Promise((r) => setTimeout(r, owned ? 15_000 : 0));
      return queryReports(clients, fn, mark, Date.now());
    },
    async close() {
      if (owned) {
        (clients.cloudformation as CloudFormationClient).destroy();
        (clients.lambda as LambdaClient).destroy();
        (clients.logs as CloudWatchLogsClient).destroy();
        (clients.ecs as ECSClient).destroy();
        (clients.autoscaling as ApplicationAutoScalingClient).destroy();
      }
    },
  };
}

/**
 * Scales the fargate service to zero and back to its desired count, so the next requests meet
 * freshly started tasks, and times each new task from its ECS timestamps. Application Auto
 * Scaling would put a task back below the service's minimum, so the minimum is zero meanwhile
 * and restored after.
 */
async function scaleFromZero(
  clients: AwsClients,
  target: EcsService,
): Promise<{ cold: boolean; how: string }> {
  const ecs = clients.ecs as Pick<ECSClient, 'send'>;
  const autoscaling = clients.autoscaling as Pick<ApplicationAutoScalingClient, 'send'>;
  const waitStable =
    clients.waitStable ??
    (async ({ cluster, service }: EcsService) => {
      await waitUntilServicesStable(
        { client: ecs as ECSClient, maxWaitTime: 900 },
        { cluster, services: [service] },
      );
    });
  const described = (await ecs.send(
    new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }),
  )) as DescribeServicesCommandOutput;
  const desired = Math.max(1, described.services?.[0]?.desiredCount ?? 1);
  const scalable = scalableTargetOf(target);
  const targets = (await autoscaling.send(
    new DescribeScalableTargetsCommand({
      ServiceNamespace: scalable.ServiceNamespace,
      ResourceIds: [scalable.ResourceId],
      ScalableDimension: scalable.ScalableDimension,
    }),
  )) as DescribeScalableTargetsCommandOutput;
  const minimum = targets.ScalableTargets?.[0]?.MinCapacity;
  if (minimum !== undefined) {
    await autoscaling.send(new RegisterScalableTargetCommand({ ...scalable, MinCapacity: 0 }));
  }
  try {
    await ecs.send(new UpdateServiceCommand(scaleServiceInput(target.cluster, target.service, 0)));
    await waitStable(target);
    await ecs.send(
      new UpdateServiceCommand(scaleServiceInput(target.cluster, target.service, desired)),
    );
    await waitStable(target);
  } finally {
    if (minimum !== undefined) {
      await autoscaling.send(
        new RegisterScalableTargetCommand({ ...scalable, MinCapacity: minimum }),
      );
    }
  }
  const listed = (await ecs.send(
    new ListTasksCommand({
      cluster: target.cluster,
      serviceName: target.service,
      desiredStatus: 'RUNNING',
    }),
  )) as ListTasksCommandOutput;
  const tasks = listed.taskArns?.length
    ? ((await ecs.send(
        new DescribeTasksCommand({ cluster: target.cluster, tasks: listed.taskArns }),
      )) as DescribeTasksCommandOutput)
    : { tasks: [] };
  const startups = (tasks.tasks ?? []).map(taskStartup).filter((t) => Number.isFinite(t.totalMs));
  if (startups.length === 0) {
    return { cold: true, how: `scaled from zero to ${desired} task(s); no task timestamps` };
  }
  const p50 = (pick: (t: ReturnType<typeof taskStartup>) => number) =>
    (
      percentile(
        startups.map(pick).sort((a, b) => a - b),
        50,
      ) / 1000
    ).toFixed(1);
  return {
    cold: true,
    how:
      `scaled from zero to ${desired} task(s); task start p50 ${p50((t) => t.totalMs)} s ` +
      `(provisioning ${p50((t) => t.provisioningMs)} s, image pull ${p50((t) => t.pullMs)} s, ` +
      `container start ${p50((t) => t.startMs)} s; ECS task timestamps)`,
  };
}
