/**
 * What a variant deploys, read from its CloudFormation template: the template `npm run package`
 * writes for lambda-zip (`.serverless/cloudformation-template-update-stack.json`), and later the
 * CDK app's `cdk.out/*.template.json`. The local cloud runs what the template says, so there is
 * no second, hand-written list of functions, routes, rules and queues to drift.
 *
 * Intrinsics are resolved for the local account: `Ref`/`Fn::GetAtt` of buckets, queues and
 * functions give their local names and ARNs, `Fn::Sub` and `Fn::Join` are expanded.
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
  /** The zip's file name (the S3 key's last part), found locally by the artifact resolver. */
  readonly codeArtifact?: string;
  /** Layers' zip file names, in order (Lambda extracts them into /opt in this order). */
  readonly layerArtifacts: readonly string[];
  /** From AWS::Lambda::EventInvokeConfig; Lambda's defaults when there is none. */
  readonly async: AsyncInvokeConfig;
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
}

export interface QueueSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
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
}

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

interface Template {
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
  const resolver = new Resolver(template, account);
  const ofType = (type: string) =>
    Object.entries(template.Resources).filter(([, r]) => r.Type === type);

  const queues = ofType('AWS::SQS::Queue').map(([id]) => ({
    logicalId: id,
    name: resolver.ref(id),
    arn: resolver.getAtt(id, 'Arn'),
  }));

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

  const provisioned = new Map<string, number>();
  for (const [, r] of ofType('AWS::Lambda::Alias')) {
    const p = r.Properties ?? {};
    const count = (p.ProvisionedConcurrencyConfig as { ProvisionedConcurrentExecutions?: number })
      ?.ProvisionedConcurrentExecutions;
    if (count) provisioned.set(resolver.functionId(p.FunctionName), Number(count));
  }

  const functions: FunctionSpec[] = ofType('AWS::Lambda::Function').map(([id, r]) => {
    const p = r.Properties ?? {};
    const variables = ((p.Environment as { Variables?: Record<string, unknown> })?.Variables ??
      {}) as Record<string, unknown>;
    const code = p.Code as { S3Key?: unknown } | undefined;
    const reserved = p.ReservedConcurrentExecutions;
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
      provisionedConcurrency: provisioned.get(id) ?? 0,
      ...(code?.S3Key === undefined ? {} : { codeArtifact: baseName(resolver.string(code.S3Key)) }),
      layerArtifacts: ((p.Layers as unknown[] | undefined) ?? []).map((layer) =>
        resolver.layerArtifact(layer),
      ),
      async: asyncConfigs.get(id) ?? DEFAULT_ASYNC,
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
    };
  });

  return { name, account, functions, httpApis, buckets, queues, eventSourceMappings };
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

function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** Resolves the intrinsics this project's templates use, for the local account. */
class Resolver {
  constructor(
    private readonly template: Template,
    private readonly account: LocalAccount,
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
      return p.FunctionName === undefined ? `local-${id}` : this.string(p.FunctionName);
    }
    if (named !== undefined) return this.string(named);
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
          (text === this.ref(fid) || text.endsWith(`:function:${this.ref(fid)}`)),
      );
      if (found === undefined) throw new Error(`${text} names no function in the template`);
      return found[0];
    }
    return id;
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
    if (typeof v.Ref === 'string') return this.ref(v.Ref);
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
