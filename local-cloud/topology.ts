/**
 * What a variant deploys, read from its CloudFormation template: the template `npm run package`
 * writes for lambda-zip (`.serverless/cloudformation-template-update-stack.json`), and the CDK
 * app's `cdk.out/{LambdaImage,Fargate}.template.json` for lambda-image and fargate. The local
 * cloud runs what the template says, so there is no second, hand-written list of functions,
 * routes, rules, queues and services to drift.
 *
 * Intrinsics are resolved for the local account: `Ref`/`Fn::GetAtt` of buckets, queues and
 * functions give their local names and ARNs, `Fn::Sub` and `Fn::Join` are expanded. Queues the
 * template leaves unnamed (CDK's) are named `<variant>-<logicalId>`, as CloudFormation would
 * make up `<stack>-<logicalId>-<random>`: both CDK stacks have a `StorageQueue…` with the same
 * logical id, and they share one local SQS. A `Ref` to a queue used as a value (an environment
 * variable) is its URL, as in AWS: `https://sqs.<region>.amazonaws.com/<account>/<name>`, which
 * the local cloud points at its own endpoint.
 */
import { readFileSync } from 'node:fs';

/** The account and region the local cloud pretends to be. */
export interface LocalAccount {
  readonly accountId: string;
  readonly region: string;
}

export const LOCAL_ACCOUNT: LocalAccount = { accountId: '000000000000', region: 'us-east-1' };

/** A Lambda function as the template declares it. */
export interface FunctionSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly handler: string;
  readonly runtime: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** The function's own variables, intrinsics resolved. */
  readonly environment: Readonly<Record<string, string>>;
  /** ReservedConcurrentExecutions; undefined means the account's unreserved pool. */
  readonly reservedConcurrency?: number;
  readonly provisionedConcurrency: number;
  /**
   * The version number the provisioned environments run: the alias's FunctionVersion when the
   * template writes it, else "1" (see publishedVersion).
   */
  readonly provisionedVersion?: string;
  /** The zip's file name (the S3 key's last part), found locally by the artifact resolver. */
  readonly codeArtifact?: string;
  /** Layers' zip file names, in order (Lambda extracts them into /opt in this order). */
  readonly layerArtifacts: readonly string[];
  /** From AWS::Lambda::EventInvokeConfig; Lambda's defaults when there is none. */
  readonly async: AsyncInvokeConfig;
  /** `Image` for a container-image function (lambda-image), else `Zip`. */
  readonly packageType: 'Zip' | 'Image';
  /** The image's tag (CDK's asset hash) from `Code.ImageUri`, for an image function. */
  readonly imageTag?: string;
  /** `ImageConfig.Command`: overrides the image's CMD, which names the handler. */
  readonly imageCommand?: readonly string[];
  /** Set for a Lambda Managed Instances function (one attached to a capacity provider). */
  readonly managedInstances?: ManagedInstancesSpec;
}

/**
 * A function's `CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig` and
 * `FunctionScalingConfig` (AWS CloudFormation template reference, AWS::Lambda::Function,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-lambdamanagedinstancescapacityproviderconfig.html
 * and …-functionscalingconfig.html, read 2026-12). Absent properties stay undefined: their
 * defaults are the emulator's to choose and say (lmi-settings.ts).
 */
export interface ManagedInstancesSpec {
  /** The capacity provider's logical id in this template (undefined for one outside it). */
  readonly capacityProviderLogicalId?: string;
  readonly capacityProviderArn: string;
  /** ExecutionEnvironmentMemoryGiBPerVCpu, 2.0 to 8.0. */
  readonly memoryGiBPerVcpu?: number;
  /** PerExecutionEnvironmentMaxConcurrency, 1 to 1600. */
  readonly perEnvironmentMaxConcurrency?: number;
  /** FunctionScalingConfig.MinExecutionEnvironments (a published version's, when it sets one). */
  readonly minEnvironments?: number;
  readonly maxEnvironments?: number;
}

/**
 * An `AWS::Lambda::CapacityProvider` (AWS CloudFormation template reference,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-capacityprovider.html,
 * read 2026-12), as far as the emulator uses it: the CPU target its scaling tracks and the
 * most vCPUs it may run.
 */
export interface CapacityProviderSpec {
  readonly logicalId: string;
  readonly arn: string;
  /** InstanceRequirements.Architectures (`arm64`, `x86_64`). */
  readonly architectures: readonly string[];
  readonly allowedInstanceTypes: readonly string[];
  /** CapacityProviderScalingConfig.MaxVCpuCount. */
  readonly maxVcpuCount?: number;
  /** `Auto` or `Manual` (CapacityProviderScalingConfig.ScalingMode). */
  readonly scalingMode?: string;
  /** TargetValue of the `LambdaCapacityProviderAverageCPUUtilization` policy, in percent. */
  readonly cpuTargetPercent?: number;
}

export interface AsyncInvokeConfig {
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
  /** The on-failure destination's ARN (an SQS queue locally). */
  readonly onFailure?: string;
}

/** One route of an HTTP API, with the function its integration calls. */
export interface RouteSpec {
  readonly routeKey: string;
  readonly functionLogicalId: string;
  readonly payloadFormatVersion: string;
  readonly timeoutMs: number;
}

export interface HttpApiSpec {
  readonly logicalId: string;
  readonly routes: readonly RouteSpec[];
  /** The stage's default route throttling (requests per second, burst), when it sets one. */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
}

/** One S3 notification rule (LambdaConfigurations and QueueConfigurations alike). */
export interface NotificationRule {
  readonly events: readonly string[];
  readonly prefix?: string;
  readonly suffix?: string;
  readonly target: { readonly kind: 'function'; readonly logicalId: string } | QueueTarget;
}

interface QueueTarget {
  readonly kind: 'queue';
  readonly arn: string;
}

export interface BucketSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly notifications: readonly NotificationRule[];
}

/**
 * An SQS event source mapping (lambda-image's queue poller). Read now; the poller that runs
 * it plugs into the local cloud with the lambda-image variant.
 */
export interface EventSourceMappingSpec {
  readonly logicalId: string;
  readonly functionLogicalId: string;
  readonly queueArn: string;
  /** SQS default 10. */
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  /** `ReportBatchItemFailures` turns on partial batch responses. */
  readonly reportBatchItemFailures: boolean;
  readonly enabled: boolean;
  /** ScalingConfig.MaximumConcurrency: most concurrent invocations the mapping makes. */
  readonly maximumConcurrency?: number;
}

export interface QueueSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** SQS's default is 30 s. */
  readonly visibilityTimeoutSeconds: number;
  readonly redrive?: { readonly deadLetterTargetArn: string; readonly maxReceiveCount: number };
}

/** An ECS service's task, its load balancer health check and its size, as the template says. */
export interface ServiceSpec {
  readonly logicalId: string;
  /** Task size: CPU units (1024 = 1 vCPU) and memory in MiB. */
  readonly cpu: number;
  readonly memoryMb: number;
  readonly containerName: string;
  readonly containerPort: number;
  readonly environment: Readonly<Record<string, string>>;
  /** The image's tag (CDK's asset hash). */
  readonly imageTag?: string;
  /** Seconds between SIGTERM and SIGKILL when a task stops (ECS's default is 30). */
  readonly stopTimeoutSeconds: number;
  readonly desiredCount: number;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly healthCheck: {
    readonly path: string;
    readonly intervalSeconds: number;
    readonly timeoutSeconds: number;
    readonly healthyThreshold: number;
    readonly unhealthyThreshold: number;
  };
  /** The target group's deregistration delay (connection draining), seconds. */
  readonly deregistrationDelaySeconds: number;
}

/**
 * One variant's moving parts. lambda-image will add event source mappings and fargate its
 * services here; the local cloud starts whatever lists are non-empty.
 */
export interface VariantTopology {
  readonly name: string;
  readonly account: LocalAccount;
  readonly functions: readonly FunctionSpec[];
  readonly httpApis: readonly HttpApiSpec[];
  readonly buckets: readonly BucketSpec[];
  readonly queues: readonly QueueSpec[];
  readonly eventSourceMappings: readonly EventSourceMappingSpec[];
  readonly services: readonly ServiceSpec[];
  /** Lambda Managed Instances capacity providers. */
  readonly capacityProviders: readonly CapacityProviderSpec[];
}

/** One resource of a CloudFormation template, as far as the local cloud reads it. */
export interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** A CloudFormation template (serverless's or a CDK stack's). */
export interface Template {
  readonly Resources: Record<string, Resource>;
}

/** Lambda's asynchronous defaults (AWS Lambda developer guide, "Asynchronous invocation"). */
const DEFAULT_ASYNC: AsyncInvokeConfig = {
  maximumRetryAttempts: 2,
  maximumEventAgeSeconds: 21_600,
};
/** API Gateway's default (and maximum) integration timeout for HTTP APIs. */
const DEFAULT_INTEGRATION_TIMEOUT_MS = 30_000;

/**
 * Reads a variant's topology from a CloudFormation template file.
 *
 * @example
 * ```ts
 * const zip = readTopology('lambda-zip', '.serverless/cloudformation-template-update-stack.json');
 * zip.httpApis[0]?.routes.map((r) => r.routeKey); // ['POST /cartoon', …]
 * ```
 */
export function readTopology(
  name: string,
  templateFile: string,
  account: LocalAccount = LOCAL_ACCOUNT,
): VariantTopology {
  const template = JSON.parse(readFileSync(templateFile, 'utf8')) as Template;
  return topologyFromTemplate(name, template, account);
}

/**
 * The same, from a parsed template.
 *
 * @example
 * ```ts
 * const topology = topologyFromTemplate('lambda-zip', JSON.parse(text));
 * ```
 */
export function topologyFromTemplate(
  name: string,
  template: Template,
  account: LocalAccount = LOCAL_ACCOUNT,
): VariantTopology {
  const resolver = new Resolver(template, account, name);
  const ofType = (type: string) =>
    Object.entries(template.Resources).filter(([, r]) => r.Type === type);

  const queues: QueueSpec[] = ofType('AWS::SQS::Queue').map(([id, r]) => {
    const redrive = r.Properties?.RedrivePolicy as
      | { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown }
      | undefined;
    return {
      logicalId: id,
      name: resolver.ref(id),
      arn: resolver.getAtt(id, 'Arn'),
      visibilityTimeoutSeconds: Number(r.Properties?.VisibilityTimeout ?? 30),
      ...(redrive?.deadLetterTargetArn === undefined
        ? {}
        : {
            redrive: {
              deadLetterTargetArn: resolver.string(redrive.deadLetterTargetArn),
              maxReceiveCount: Number(redrive.maxReceiveCount ?? 10),
            },
          }),
    };
  });

  const asyncConfigs = new Map<string, AsyncInvokeConfig>();
  for (const [, r] of ofType('AWS::Lambda::EventInvokeConfig')) {
    const p = r.Properties ?? {};
    const fn = resolver.functionId(p.FunctionName);
    const onFailure = (p.DestinationConfig as { OnFailure?: { Destination?: unknown } })?.OnFailure
      ?.Destination;
    asyncConfigs.set(fn, {
      maximumRetryAttempts: Number(p.MaximumRetryAttempts ?? DEFAULT_ASYNC.maximumRetryAttempts),
      maximumEventAgeSeconds: Number(
        p.MaximumEventAgeInSeconds ?? DEFAULT_ASYNC.maximumEventAgeSeconds,
      ),
      ...(onFailure === undefined ? {} : { onFailure: resolver.string(onFailure) }),
    });
  }

  // Provisioned concurrency is configured on an alias (or a version), never on $LATEST.
  const provisioned = new Map<string, { count: number; version: string }>();
  for (const [, r] of [...ofType('AWS::Lambda::Alias'), ...ofType('AWS::Lambda::Version')]) {
    const p = r.Properties ?? {};
    const count = (p.ProvisionedConcurrencyConfig as { ProvisionedConcurrentExecutions?: number })
      ?.ProvisionedConcurrentExecutions;
    if (count) {
      provisioned.set(resolver.functionId(p.FunctionName), {
        count: Number(count),
        version: publishedVersion(r.Type === 'AWS::Lambda::Alias' ? p.FunctionVersion : undefined),
      });
    }
  }

  // A published version may carry its own FunctionScalingConfig; it wins over the function's.
  const versionScaling = new Map<string, unknown>();
  for (const [, r] of ofType('AWS::Lambda::Version')) {
    const scaling = r.Properties?.FunctionScalingConfig;
    if (scaling !== undefined) {
      versionScaling.set(resolver.functionId(r.Properties?.FunctionName), scaling);
    }
  }

  const functions: FunctionSpec[] = ofType('AWS::Lambda::Function').map(([id, r]) => {
    const p = r.Properties ?? {};
    const variables = ((p.Environment as { Variables?: Record<string, unknown> })?.Variables ??
      {}) as Record<string, unknown>;
    const code = p.Code as { S3Key?: unknown; ImageUri?: unknown } | undefined;
    const reserved = p.ReservedConcurrentExecutions;
    const command = (p.ImageConfig as { Command?: unknown[] } | undefined)?.Command;
    return {
      logicalId: id,
      name: resolver.ref(id),
      arn: resolver.getAtt(id, 'Arn'),
      handler: String(p.Handler ?? 'index.handler'),
      runtime: String(p.Runtime ?? 'nodejs24.x'),
      // CloudFormation's defaults when the properties are absent.
      memoryMb: Number(p.MemorySize ?? 128),
      timeoutSeconds: Number(p.Timeout ?? 3),
      environment: Object.fromEntries(
        Object.entries(variables).map(([k, v]) => [k, resolver.string(v)]),
      ),
      ...(reserved === undefined ? {} : { reservedConcurrency: Number(reserved) }),
      provisionedConcurrency: provisioned.get(id)?.count ?? 0,
      ...(provisioned.has(id) ? { provisionedVersion: provisioned.get(id)?.version } : {}),
      ...(code?.S3Key === undefined ? {} : { codeArtifact: baseName(resolver.string(code.S3Key)) }),
      layerArtifacts: ((p.Layers as unknown[] | undefined) ?? []).map((layer) =>
        resolver.layerArtifact(layer),
      ),
      async: asyncConfigs.get(id) ?? DEFAULT_ASYNC,
      packageType: p.PackageType === 'Image' ? 'Image' : 'Zip',
      ...(code?.ImageUri === undefined
        ? {}
        : { imageTag: imageTag(resolver.string(code.ImageUri)) }),
      ...(command === undefined ? {} : { imageCommand: command.map((c) => resolver.string(c)) }),
      ...managedInstancesOf(p, versionScaling.get(id), resolver),
    };
  });

  const integrations = new Map(
    ofType('AWS::ApiGatewayV2::Integration').map(([id, r]) => {
      const p = r.Properties ?? {};
      return [
        id,
        {
          api: resolver.refId(p.ApiId),
          functionLogicalId: resolver.functionId(p.IntegrationUri),
          payloadFormatVersion: String(p.PayloadFormatVersion ?? '2.0'),
          timeoutMs: Number(p.TimeoutInMillis ?? DEFAULT_INTEGRATION_TIMEOUT_MS),
        },
      ];
    }),
  );
  const httpApis: HttpApiSpec[] = ofType('AWS::ApiGatewayV2::Api').map(([apiId]) => ({
    logicalId: apiId,
    ...stageThrottle(
      ofType('AWS::ApiGatewayV2::Stage').find(
        ([, r]) => resolver.refId(r.Properties?.ApiId) === apiId,
      )?.[1],
    ),
    routes: ofType('AWS::ApiGatewayV2::Route')
      .filter(([, r]) => resolver.refId(r.Properties?.ApiId) === apiId)
      .map(([, r]) => {
        // Target is "integrations/<IntegrationId>", usually as a Fn::Join.
        const target = resolver.string(r.Properties?.Target).replace(/^integrations\//, '');
        const integration = integrations.get(target);
        if (integration === undefined) {
          throw new Error(`route ${String(r.Properties?.RouteKey)} targets unknown ${target}`);
        }
        const { api: _api, ...rest } = integration;
        return { routeKey: String(r.Properties?.RouteKey), ...rest };
      }),
  }));

  const buckets = ofType('AWS::S3::Bucket')
    .filter(([id]) => id !== 'ServerlessDeploymentBucket')
    .map(([id, r]) => ({
      logicalId: id,
      name: resolver.ref(id),
      notifications: notificationRules(r.Properties?.NotificationConfiguration, resolver),
    }));

  const eventSourceMappings = ofType('AWS::Lambda::EventSourceMapping').map(([id, r]) => {
    const p = r.Properties ?? {};
    return {
      logicalId: id,
      functionLogicalId: resolver.functionId(p.FunctionName),
      queueArn: resolver.string(p.EventSourceArn),
      batchSize: Number(p.BatchSize ?? 10),
      maximumBatchingWindowSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0),
      reportBatchItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes(
        'ReportBatchItemFailures',
      ),
      enabled: p.Enabled !== false,
      ...((p.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency ===
      undefined
        ? {}
        : {
            maximumConcurrency: Number(
              (p.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency,
            ),
          }),
    };
  });

  const services = ofType('AWS::ECS::Service').map(([id, r]) =>
    serviceSpec(id, r, template, resolver),
  );

  const capacityProviders = ofType('AWS::Lambda::CapacityProvider').map(([id, r]) =>
    capacityProviderSpec(id, r, resolver),
  );

  return {
    name,
    account,
    functions,
    httpApis,
    buckets,
    queues,
    eventSourceMappings,
    services,
    capacityProviders,
  };
}

/** The LMI part of a function's properties, or nothing for a function without a provider. */
function managedInstancesOf(
  p: Record<string, unknown>,
  versionScaling: unknown,
  resolver: Resolver,
): Pick<FunctionSpec, 'managedInstances'> {
  const config = (
    p.CapacityProviderConfig as { LambdaManagedInstancesCapacityProviderConfig?: unknown }
  )?.LambdaManagedInstancesCapacityProviderConfig as Record<string, unknown> | undefined;
  if (config === undefined) return {};
  const scaling = (versionScaling ?? p.FunctionScalingConfig ?? {}) as Record<string, unknown>;
  const arnValue = config.CapacityProviderArn;
  const providerId = resolver.capacityProviderId(arnValue);
  const number = (value: unknown) => (value === undefined ? undefined : Number(value));
  const spec: ManagedInstancesSpec = {
    capacityProviderArn: resolver.string(arnValue),
    ...(providerId === undefined ? {} : { capacityProviderLogicalId: providerId }),
    ...defined('memoryGiBPerVcpu', number(config.ExecutionEnvironmentMemoryGiBPerVCpu)),
    ...defined(
      'perEnvironmentMaxConcurrency',
      number(config.PerExecutionEnvironmentMaxConcurrency),
    ),
    ...defined('minEnvironments', number(scaling.MinExecutionEnvironments)),
    ...defined('maxEnvironments', number(scaling.MaxExecutionEnvironments)),
  };
  return { managedInstances: spec };
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** The predefined metric a capacity provider's CPU target-tracking policy names. */
const CPU_METRIC = 'LambdaCapacityProviderAverageCPUUtilization';

function capacityProviderSpec(id: string, r: Resource, resolver: Resolver): CapacityProviderSpec {
  const p = r.Properties ?? {};
  const requirements = (p.InstanceRequirements ?? {}) as {
    Architectures?: unknown[];
    AllowedInstanceTypes?: unknown[];
  };
  const scaling = (p.CapacityProviderScalingConfig ?? {}) as {
    MaxVCpuCount?: unknown;
    ScalingMode?: unknown;
    ScalingPolicies?: { PredefinedMetricType?: unknown; TargetValue?: unknown }[];
  };
  const cpuPolicy = (scaling.ScalingPolicies ?? []).find(
    (policy) => policy.PredefinedMetricType === CPU_METRIC,
  );
  return {
    logicalId: id,
    arn: resolver.getAtt(id, 'Arn'),
    architectures: (requirements.Architectures ?? []).map((a) => resolver.string(a)),
    allowedInstanceTypes: (requirements.AllowedInstanceTypes ?? []).map((a) => resolver.string(a)),
    ...defined(
      'maxVcpuCount',
      scaling.MaxVCpuCount === undefined ? undefined : Number(scaling.MaxVCpuCount),
    ),
    ...defined(
      'scalingMode',
      scaling.ScalingMode === undefined ? undefined : resolver.string(scaling.ScalingMode),
    ),
    ...defined(
      'cpuTargetPercent',
      cpuPolicy?.TargetValue === undefined ? undefined : Number(cpuPolicy.TargetValue),
    ),
  };
}

function stageThrottle(stage: Resource | undefined): Pick<HttpApiSpec, 'throttle'> {
  const settings = stage?.Properties?.DefaultRouteSettings as
    | { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }
    | undefined;
  if (settings?.ThrottlingRateLimit === undefined) return {};
  return {
    throttle: {
      rateLimit: Number(settings.ThrottlingRateLimit),
      burstLimit: Number(settings.ThrottlingBurstLimit ?? settings.ThrottlingRateLimit),
    },
  };
}

/** The tag of an ECR image URI (`…/repo:tag`): CDK's asset hash. */
function imageTag(uri: string): string | undefined {
  const tag = uri.slice(uri.lastIndexOf('/') + 1).split(':')[1];
  return tag === undefined || tag === '' ? undefined : tag;
}

interface ContainerDefinition {
  Name?: string;
  Image?: unknown;
  Environment?: { Name: string; Value: unknown }[];
  PortMappings?: { ContainerPort?: number }[];
  StopTimeout?: number;
}

/** An ECS service with its task definition, target group health check and scaling bounds. */
function serviceSpec(
  id: string,
  service: Resource,
  template: Template,
  resolver: Resolver,
): ServiceSpec {
  const p = service.Properties ?? {};
  const taskId = resolver.refId(p.TaskDefinition);
  const task = template.Resources[taskId]?.Properties ?? {};
  const containers = (task.ContainerDefinitions as ContainerDefinition[] | undefined) ?? [];
  const balanced = (p.LoadBalancers as { ContainerName?: string; TargetGroupArn?: unknown }[])?.[0];
  const container =
    containers.find((c) => c.Name === balanced?.ContainerName) ?? containers[0] ?? {};
  const group =
    balanced?.TargetGroupArn === undefined
      ? {}
      : (template.Resources[resolver.refId(balanced.TargetGroupArn)]?.Properties ?? {});
  const attributes = (group.TargetGroupAttributes as { Key: string; Value: string }[]) ?? [];
  const scaling = Object.values(template.Resources).find(
    (r) =>
      r.Type === 'AWS::ApplicationAutoScaling::ScalableTarget' &&
      JSON.stringify(r.Properties?.ResourceId ?? '').includes(`"${id}"`),
  )?.Properties;
  const desiredCount = Number(p.DesiredCount ?? 1);
  const image =
    container.Image === undefined ? undefined : imageTag(resolver.string(container.Image));
  return {
    logicalId: id,
    cpu: Number(task.Cpu ?? 256),
    memoryMb: Number(task.Memory ?? 512),
    containerName: String(container.Name ?? 'app'),
    containerPort: Number(container.PortMappings?.[0]?.ContainerPort ?? 80),
    environment: Object.fromEntries(
      (container.Environment ?? []).map((e) => [e.Name, resolver.string(e.Value)]),
    ),
    ...(image === undefined ? {} : { imageTag: image }),
    // ECS's default when the container definition sets none.
    stopTimeoutSeconds: Number(container.StopTimeout ?? 30),
    desiredCount,
    minCapacity: Number(scaling?.MinCapacity ?? desiredCount),
    maxCapacity: Number(scaling?.MaxCapacity ?? desiredCount),
    // Elastic Load Balancing's defaults for an HTTP target group where the template is silent.
    healthCheck: {
      path: String(group.HealthCheckPath ?? '/'),
      intervalSeconds: Number(group.HealthCheckIntervalSeconds ?? 30),
      timeoutSeconds: Number(group.HealthCheckTimeoutSeconds ?? 5),
      healthyThreshold: Number(group.HealthyThresholdCount ?? 5),
      unhealthyThreshold: Number(group.UnhealthyThresholdCount ?? 2),
    },
    deregistrationDelaySeconds: Number(
      attributes.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value ?? 300,
    ),
  };
}

function notificationRules(config: unknown, resolver: Resolver): NotificationRule[] {
  const c = (config ?? {}) as Record<string, unknown[] | undefined>;
  const rules: NotificationRule[] = [];
  const read = (entry: Record<string, unknown>, target: NotificationRule['target']) => {
    const filterRules =
      (entry.Filter as { S3Key?: { Rules?: { Name: string; Value: string }[] } })?.S3Key?.Rules ??
      [];
    // S3 accepts the names in any case ("Prefix" or "prefix"); the values are compared exactly.
    const value = (name: string) => filterRules.find((f) => f.Name.toLowerCase() === name)?.Value;
    const prefix = value('prefix');
    const suffix = value('suffix');
    rules.push({
      events: [String(entry.Event)],
      ...(prefix === undefined ? {} : { prefix }),
      ...(suffix === undefined ? {} : { suffix }),
      target,
    });
  };
  for (const entry of (c.LambdaConfigurations ?? []) as Record<string, unknown>[]) {
    read(entry, { kind: 'function', logicalId: resolver.functionId(entry.Function) });
  }
  for (const entry of (c.QueueConfigurations ?? []) as Record<string, unknown>[]) {
    read(entry, { kind: 'queue', arn: resolver.string(entry.Queue) });
  }
  return rules;
}

/**
 * The version number an alias's FunctionVersion names. A literal ("3") is itself; a reference
 * to an AWS::Lambda::Version resource (what the Serverless Framework and the CDK write) gets its
 * number from Lambda at deploy time, counting every version the function ever published, which
 * no template says: locally it is "1", the number of a function's first published version.
 *
 * @example
 * ```ts
 * publishedVersion('3'); // '3'
 * publishedVersion({ 'Fn::GetAtt': ['ApiLambdaVersionAbc', 'Version'] }); // '1'
 * ```
 */
export function publishedVersion(functionVersion: unknown): string {
  if (typeof functionVersion === 'string' && /^\d+$/.test(functionVersion)) return functionVersion;
  if (typeof functionVersion === 'number' && Number.isInteger(functionVersion)) {
    return String(functionVersion);
  }
  return '1';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** Resolves the intrinsics this project's templates use, for the local account. */
class Resolver {
  constructor(
    private readonly template: Template,
    private readonly account: LocalAccount,
    private readonly variant: string,
  ) {}

  private pseudo(name: string): string | undefined {
    if (name === 'AWS::AccountId') return this.account.accountId;
    if (name === 'AWS::Region') return this.account.region;
    if (name === 'AWS::Partition') return 'aws';
    if (name === 'AWS::URLSuffix') return 'amazonaws.com';
    if (name === 'AWS::StackName') return 'local';
    return undefined;
  }

  /** What `Ref` of a resource gives: the physical name (bucket, function) or queue URL-ish. */
  ref(id: string): string {
    const pseudo = this.pseudo(id);
    if (pseudo !== undefined) return pseudo;
    const resource = this.template.Resources[id];
    if (resource === undefined) throw new Error(`Ref to unknown resource ${id}`);
    const p = resource.Properties ?? {};
    const named = { 'AWS::S3::Bucket': p.BucketName, 'AWS::SQS::Queue': p.QueueName }[
      resource.Type
    ];
    if (resource.Type === 'AWS::Lambda::Function') {
      return p.FunctionName === undefined ? `${this.variant}-${id}` : this.string(p.FunctionName);
    }
    if (named !== undefined) return this.string(named);
    if (resource.Type === 'AWS::Lambda::CapacityProvider') {
      const name = p.CapacityProviderName;
      return name === undefined ? `${this.variant}-${id}` : this.string(name);
    }
    if (resource.Type === 'AWS::SQS::Queue') return `${this.variant}-${id}`;
    // Other resources: the logical id stands in for the physical id CloudFormation makes up.
    return id;
  }

  getAtt(id: string, attribute: string): string {
    const resource = this.template.Resources[id];
    const { accountId, region } = this.account;
    if (attribute === 'Arn') {
      if (resource?.Type === 'AWS::Lambda::Function') {
        return `arn:aws:lambda:${region}:${accountId}:function:${this.ref(id)}`;
      }
      if (resource?.Type === 'AWS::SQS::Queue') {
        return `arn:aws:sqs:${region}:${accountId}:${this.ref(id)}`;
      }
      if (resource?.Type === 'AWS::S3::Bucket') return `arn:aws:s3:::${this.ref(id)}`;
      if (resource?.Type === 'AWS::Lambda::CapacityProvider') {
        return `arn:aws:lambda:${region}:${accountId}:capacity-provider:${this.ref(id)}`;
      }
    }
    return `${id}.${attribute}`;
  }

  /** The logical id a `Ref`/`Fn::GetAtt` points at. */
  refId(value: unknown): string {
    const v = value as { Ref?: string; 'Fn::GetAtt'?: string[] | string };
    if (typeof v?.Ref === 'string') return v.Ref;
    const att = v?.['Fn::GetAtt'];
    if (Array.isArray(att)) return String(att[0]);
    if (typeof att === 'string') return att.split('.')[0] ?? att;
    return this.string(value);
  }

  /** The function a FunctionName / IntegrationUri / Function property means (aliases too). */
  functionId(value: unknown): string {
    let id = this.refId(value);
    const resource = this.template.Resources[id];
    if (resource?.Type === 'AWS::Lambda::Alias' || resource?.Type === 'AWS::Lambda::Version') {
      id = this.refId(resource.Properties?.FunctionName);
    }
    if (this.template.Resources[id]?.Type !== 'AWS::Lambda::Function') {
      // A literal ARN or name: match it against the functions' resolved names.
      const text = this.string(value);
      const found = Object.entries(this.template.Resources).find(
        ([fid, r]) =>
          r.Type === 'AWS::Lambda::Function' &&
          // A qualified ARN (`…:function:name:live`, LMI's `…:$LATEST.PUBLISHED`) names it too.
          (text === this.ref(fid) ||
            text.endsWith(`:function:${this.ref(fid)}`) ||
            new RegExp(`:function:${escapeRegExp(this.ref(fid))}:[^:]+$`).test(text)),
      );
      if (found === undefined) throw new Error(`${text} names no function in the template`);
      return found[0];
    }
    return id;
  }

  /** The capacity provider a CapacityProviderArn names, if it is in this template. */
  capacityProviderId(value: unknown): string | undefined {
    const v = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown };
    if (v?.Ref !== undefined || v?.['Fn::GetAtt'] !== undefined) {
      const id = this.refId(value);
      if (this.template.Resources[id]?.Type === 'AWS::Lambda::CapacityProvider') return id;
    }
    const text = this.string(value);
    return Object.keys(this.template.Resources).find(
      (id) =>
        this.template.Resources[id]?.Type === 'AWS::Lambda::CapacityProvider' &&
        this.getAtt(id, 'Arn') === text,
    );
  }

  layerArtifact(value: unknown): string {
    const id = this.refId(value);
    const layer = this.template.Resources[id];
    const key = (layer?.Properties?.Content as { S3Key?: unknown } | undefined)?.S3Key;
    if (layer?.Type !== 'AWS::Lambda::LayerVersion' || key === undefined) {
      throw new Error(`layer ${id} is not a layer version in this template`);
    }
    return baseName(this.string(key));
  }

  string(value: unknown): string {
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    const v = (value ?? {}) as Record<string, unknown>;
    if (typeof v.Ref === 'string') {
      // A queue's Ref is its URL (CloudFormation's return value for AWS::SQS::Queue).
      if (this.template.Resources[v.Ref]?.Type === 'AWS::SQS::Queue') {
        const { region, accountId } = this.account;
        return `https://sqs.${region}.amazonaws.com/${accountId}/${this.ref(v.Ref)}`;
      }
      return this.ref(v.Ref);
    }
    const att = v['Fn::GetAtt'];
    if (att !== undefined) {
      const [id, attribute] = Array.isArray(att) ? att : String(att).split('.');
      return this.getAtt(String(id), String(attribute));
    }
    const join = v['Fn::Join'] as [string, unknown[]] | undefined;
    if (join !== undefined) return join[1].map((part) => this.string(part)).join(join[0]);
    const sub = v['Fn::Sub'];
    if (sub !== undefined) {
      const [text, vars] = Array.isArray(sub)
        ? [String(sub[0]), (sub[1] ?? {}) as Record<string, unknown>]
        : [String(sub), {}];
      return text.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
        if (name in vars) return this.string(vars[name]);
        const [id, attribute] = name.split('.');
        return attribute === undefined ? this.ref(name) : this.getAtt(String(id), attribute);
      });
    }
    throw new Error(`cannot resolve ${JSON.stringify(value)} locally`);
  }
}
