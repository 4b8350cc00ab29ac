/**
 * managed-instances: the lambda-zip functions (the same bundles and layer, arm64) on EC2
 * capacity that Lambda manages, Lambda Managed Instances (LMI). The `api` function answers the
 * HTTP API; the `queue` function is fed by an SQS event source mapping from the bucket's upload
 * notifications, as in lambda-image.
 *
 * - Why SQS and not S3 invoking the function: AWS names SQS event source mappings among LMI's
 *   triggers (AWS Lambda pricing, Managed Instances, https://aws.amazon.com/lambda/pricing/,
 *   read 2026-12); no stored AWS page says that S3's asynchronous invocation reaches a function
 *   on a capacity provider. The queue also holds uploads while instances scale, which LMI does
 *   asynchronously rather than per request.
 * - Network, chosen for cost as in the fargate stack: public subnets, no NAT gateway, an S3
 *   gateway endpoint; the instances' security group takes no inbound traffic at all (Lambda
 *   routes invocations to them itself).
 * - Each function has its own role with lambda-image's statements; the capacity provider's
 *   operator role is Lambda's to launch and manage the instances.
 * - The capacity provider and the functions' CapacityProviderConfig and FunctionScalingConfig
 *   are the documented CloudFormation properties (`AWS::Lambda::CapacityProvider`,
 *   `CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig`,
 *   `FunctionScalingConfig`), which the local cloud reads to emulate the variant.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Annotations, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { BucketJob } from './bucket-access';
import { functionRole } from './function-role';
import { lambdaHttpApi } from './lambda-http-api';
import { environmentShape, type ManagedInstancesSettings } from './managed-instances-settings';
import { publicVpc } from './public-vpc';
import { serviceEnvironment } from './service-environment';
import { ServiceStorage } from './service-storage';
import { queueVisibilitySeconds, uploadQueueSource } from './upload-queue-source';

/**
 * The lambda-image build context (`npm run build:containers`) holds the lambda-zip function
 * bundles under `functions/<name>/` and the arm64 layer under `layer/nodejs/node_modules`: this
 * stack deploys those very files as a .zip function and a layer.
 */
export interface FunctionAssets {
  readonly api: string;
  readonly queue: string;
  /** A directory whose `nodejs/node_modules` is the layer's content. */
  readonly layer: string;
}

/**
 * The function bundles and layer staged in the lambda-image build context; an error that says
 * how to stage them when they are not there.
 *
 * @example
 * ```ts
 * functionAssets(DEFAULT_ASSET_DIRS.lambdaImage).api; // build/containers/lambda-image/functions/api
 * ```
 */
export function functionAssets(lambdaImageContext: string): FunctionAssets {
  const assets = {
    api: path.join(lambdaImageContext, 'functions', 'api'),
    queue: path.join(lambdaImageContext, 'functions', 'queue'),
    layer: path.join(lambdaImageContext, 'layer'),
  };
  for (const file of [
    path.join(assets.api, 'index.js'),
    path.join(assets.queue, 'index.js'),
    path.join(assets.layer, 'nodejs', 'node_modules'),
  ]) {
    if (!existsSync(file)) {
      throw new Error(
        `${file} does not exist: run \`npm run build:containers\` first (it stages the function ` +
          'bundles and the arm64 layer the managed-instances stack deploys)',
      );
    }
  }
  return assets;
}

export interface ManagedInstancesStackProps extends StackProps {
  readonly settings: ManagedInstancesSettings;
  readonly assets: FunctionAssets;
  readonly version: string;
}

export class ManagedInstancesStack extends Stack {
  readonly storage: ServiceStorage;
  readonly capacityProvider: lambda.CapacityProvider;
  readonly apiFunction: lambda.Function;
  readonly queueFunction: lambda.Function;

  /**
   * @example
   * ```ts
   * new ManagedInstancesStack(app, 'ManagedInstances', {
   *   settings: readManagedInstancesSettings((key) => app.node.tryGetContext(key)),
   *   assets: functionAssets(DEFAULT_ASSET_DIRS.lambdaImage),
   *   version: '0.1.0',
   * });
   * ```
   */
  constructor(scope: Construct, id: string, props: ManagedInstancesStackProps) {
    super(scope, id, props);
    const { settings, assets } = props;

    const visibilitySeconds = queueVisibilitySeconds(settings);
    this.storage = new ServiceStorage(this, 'Storage', {
      variant: 'managed-instances',
      settings,
      visibilityTimeout: Duration.seconds(visibilitySeconds),
    });
    const { bucket, queue } = this.storage;

    this.capacityProvider = this.capacity(settings);

    const shape = environmentShape(settings);
    const environment = {
      ...serviceEnvironment({
        variant: 'managed-instances',
        bucket,
        settings,
        version: props.version,
        queueVisibilitySeconds: visibilitySeconds,
      }),
      // One runtime worker thread per vCPU instead of the runtime's eight: the extra threads
      // each hold a copy of the core for no more throughput (managed-instances-settings.ts
      // says what was measured).
      AWS_LAMBDA_NODEJS_WORKER_COUNT: String(shape.workers),
    };
    const layer = new lambda.LayerVersion(this, 'CoreLayer', {
      code: lambda.Code.fromAsset(assets.layer),
      description: '@cartoon-compute/core with sharp for linux arm64 (the lambda-zip layer)',
      compatibleRuntimes: [lambda.Runtime.NODEJS_24_X],
      compatibleArchitectures: [lambda.Architecture.ARM_64],
    });

    this.apiFunction = this.zipFunction('Api', 'api', {
      code: lambda.Code.fromAsset(assets.api),
      description: 'The HTTP contract (POST /cartoon, POST /uploads, GET /cartoons/{id}, ...)',
      timeout: Duration.seconds(settings.apiTimeout),
      maxEnvironments: settings.apiMaxEnvironments,
      environment,
      layer,
      settings,
    });
    this.queueFunction = this.zipFunction('Queue', 'process', {
      code: lambda.Code.fromAsset(assets.queue),
      description: 'Cartoonizes uploads announced on the queue into cartoons/',
      timeout: Duration.seconds(settings.queueTimeout),
      maxEnvironments: settings.queueMaxEnvironments,
      environment,
      layer,
      settings,
    });
    this.queueFunction.addEventSource(uploadQueueSource(queue, settings));

    const api = lambdaHttpApi(this, {
      variant: 'managed-instances',
      handler: this.apiFunction,
      settings,
      publicReason:
        'A public demo API by design, like lambda-zip; stage throttling and the capacity ' +
        "provider's vCPU ceiling cap it.",
    });
    this.storage.allowBrowsersFrom(api.api.apiEndpoint);
    this.storage.addOutputs(
      { url: api.url, description: 'The HTTP API' },
      {
        Architecture: 'arm64',
        CapacityProviderArn: this.capacityProvider.capacityProviderArn,
      },
    );
  }

  /** The VPC, the instances' security group, the operator role and the capacity provider. */
  private capacity(settings: ManagedInstancesSettings): lambda.CapacityProvider {
    const vpc = publicVpc(this, 'the function logs answer the demo questions.');
    const securityGroup = new ec2.SecurityGroup(this, 'InstanceSecurityGroup', {
      vpc,
      description: 'cartoon-compute managed-instances: no inbound; out to S3, CloudWatch Logs',
      allowAllOutbound: true,
    });

    // The operator role Lambda assumes to launch and manage the instances: AWS's own policy
    // for it, as the CDK's default role has (AWS Lambda developer guide, "Lambda operator role
    // for Lambda Managed Instances",
    // https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-operator-role.html,
    // read 2026-12). It is Lambda's, not our code's: no function runs with it.
    const operatorRole = new iam.Role(this, 'OperatorRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cartoon-compute managed-instances: Lambda manages the EC2 capacity with it',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AWSLambdaManagedEC2ResourceOperator'),
      ],
    });
    Validations.of(operatorRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AWSLambdaManagedEC2ResourceOperator]',
      reason:
        'AWSLambdaManagedEC2ResourceOperator is the policy AWS documents for the capacity ' +
        'provider operator role; AWS keeps it in step with what Lambda needs to run instances.',
    });

    return new lambda.CapacityProvider(this, 'CapacityProvider', {
      subnets: vpc.publicSubnets,
      securityGroups: [securityGroup],
      operatorRole,
      architectures: [lambda.Architecture.ARM_64],
      instanceTypeFilter: lambda.InstanceTypeFilter.allow(
        settings.instanceTypes.map((type) => new ec2.InstanceType(type)),
      ),
      maxVCpuCount: settings.maxVCpuCount,
      scalingOptions: lambda.ScalingOptions.manual([
        lambda.TargetTrackingScalingPolicy.cpuUtilization(settings.cpuTargetPercent),
      ]),
    });
  }

  /** A .zip function on the capacity provider, with its own role and log group. */
  private zipFunction(
    id: string,
    job: BucketJob,
    props: {
      code: lambda.Code;
      description: string;
      timeout: Duration;
      maxEnvironments: number;
      environment: Record<string, string>;
      layer: lambda.ILayerVersion;
      settings: ManagedInstancesSettings;
    },
  ): lambda.Function {
    const { settings } = props;
    const shape = environmentShape(settings);
    // Our own role, as lambda-image: see function-role.ts.
    const { role, logGroup } = functionRole(this, id, {
      variant: 'managed-instances',
      job,
      bucket: this.storage.bucket,
      settings,
    });
    const fn = new lambda.Function(this, id, {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: props.code,
      layers: [props.layer],
      description: props.description,
      memorySize: shape.memoryMb,
      timeout: props.timeout,
      environment: props.environment,
      role,
      logGroup,
      // LMI writes JSON logs whatever is asked (AWS Lambda developer guide, "Node.js runtime
      // for Lambda Managed Instances",
      // https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-nodejs-runtime.html,
      // read 2026-12): say so, rather than a text format it would not honour.
      loggingFormat: lambda.LoggingFormat.JSON,
    });
    this.capacityProvider.addFunction(fn, {
      perExecutionEnvironmentMaxConcurrency: shape.maxConcurrency,
      executionEnvironmentMemoryGiBPerVCpu: settings.memoryGiBPerVCpu,
      latestPublishedScalingConfig: {
        minExecutionEnvironments: settings.minEnvironments,
        maxExecutionEnvironments: props.maxEnvironments,
      },
    });
    // Known and meant: this variant is the functions on a capacity provider; moving them off
    // one is a new function (another variant), not an update of this stack.
    Annotations.of(fn).acknowledgeInfo(
      'aws-lambda:Function.CapacityProviderConfiguration',
      'The functions of this stack always run on its capacity provider.',
    );
    return fn;
  }
}
