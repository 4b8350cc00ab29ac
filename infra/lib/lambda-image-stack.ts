/**
 * lambda-image: the same handlers as lambda-zip, shipped as one arm64 container image. The
 * `api` function answers the HTTP API; the `queue` function (same image, other CMD) is fed by
 * an SQS event source mapping from the bucket's upload notifications: the poll-based
 * invocation model, where lambda-zip shows the asynchronous one.
 */
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { dockerContext } from './assets';
import type { BucketJob } from './bucket-access';
import { functionRole } from './function-role';
import { lambdaHttpApi } from './lambda-http-api';
import { serviceEnvironment } from './service-environment';
import { ServiceStorage } from './service-storage';
import type { LambdaImageSettings } from './settings';
import { queueVisibilitySeconds, uploadQueueSource } from './upload-queue-source';

export interface LambdaImageStackProps extends StackProps {
  readonly settings: LambdaImageSettings;
  /** The Docker build context of the Lambda image (a Dockerfile at its root). */
  readonly assetDir: string;
  readonly version: string;
}

export class LambdaImageStack extends Stack {
  readonly storage: ServiceStorage;
  readonly apiFunction: lambda.DockerImageFunction;
  readonly queueFunction: lambda.DockerImageFunction;

  /**
   * @example
   * ```ts
   * new LambdaImageStack(app, 'LambdaImage', {
   *   settings: readLambdaImageSettings((key) => app.node.tryGetContext(key)),
   *   assetDir: DEFAULT_ASSET_DIRS.lambdaImage,
   *   version: '0.1.0',
   * });
   * ```
   */
  constructor(scope: Construct, id: string, props: LambdaImageStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const context = dockerContext(props.assetDir);

    const visibilitySeconds = queueVisibilitySeconds(settings);
    this.storage = new ServiceStorage(this, 'Storage', {
      variant: 'lambda-image',
      settings,
      visibilityTimeout: Duration.seconds(visibilitySeconds),
    });
    const { bucket, queue } = this.storage;
    const environment = serviceEnvironment({
      variant: 'lambda-image',
      bucket,
      settings,
      version: props.version,
      queueVisibilitySeconds: visibilitySeconds,
    });

    // One image for both functions: the asset is hashed once and pushed once.
    const code = (cmd: string): lambda.DockerImageCode =>
      lambda.DockerImageCode.fromImageAsset(context, {
        platform: Platform.LINUX_ARM64,
        cmd: [cmd],
      });

    this.apiFunction = this.imageFunction('Api', 'api', {
      code: code('api/index.handler'),
      description: 'The HTTP contract (POST /cartoon, POST /uploads, GET /cartoons/{id}, ...)',
      memorySize: settings.apiMemory,
      timeout: Duration.seconds(settings.apiTimeout),
      reservedConcurrentExecutions: settings.apiReservedConcurrency,
      environment,
      settings,
    });
    this.queueFunction = this.imageFunction('Queue', 'process', {
      code: code('queue/index.handler'),
      description: 'Cartoonizes uploads announced on the queue into cartoons/',
      memorySize: settings.queueMemory,
      timeout: Duration.seconds(settings.queueTimeout),
      environment,
      settings,
    });
    this.queueFunction.addEventSource(uploadQueueSource(queue, settings));

    const api = lambdaHttpApi(this, {
      variant: 'lambda-image',
      handler: this.apiFunction,
      settings,
      publicReason:
        'A public demo API by design, like lambda-zip; throttling and reserved concurrency cap it.',
    });
    // The page GET / serves uploads big photos from the API's own origin.
    this.storage.allowBrowsersFrom(api.api.apiEndpoint);
    this.storage.addOutputs({ url: api.url, description: 'The HTTP API' });
  }

  /** A function of the image, with its own role and log group and nothing it does not use. */
  private imageFunction(
    id: string,
    job: BucketJob,
    props: Omit<lambda.DockerImageFunctionProps, 'role' | 'logGroup' | 'architecture'> & {
      settings: LambdaImageSettings;
    },
  ): lambda.DockerImageFunction {
    const { settings, ...functionProps } = props;
    const { role, logGroup } = functionRole(this, id, {
      variant: 'lambda-image',
      job,
      bucket: this.storage.bucket,
      settings,
    });
    const fn = new lambda.DockerImageFunction(this, id, {
      ...functionProps,
      architecture: lambda.Architecture.ARM_64,
      role,
      // Text format, as lambda-zip: the REPORT lines the load tests read look the same in both.
      logGroup,
    });
    return fn;
  }
}
