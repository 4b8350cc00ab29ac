/**
 * The CDK app: the lambda-image, fargate, eks and managed-instances stacks, checked by cdk-nag's
 * AWS Solutions pack on every synth (an unacknowledged error stops it). Built by bin/app.ts for
 * the CLI and by the tests in-process, from the same function, so what is tested is what is
 * deployed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type ContainerAssetDirs, DEFAULT_ASSET_DIRS } from './assets';
import { EksStack } from './eks-stack';
import { FargateStack } from './fargate-stack';
import { LambdaImageStack } from './lambda-image-stack';
import { readManagedInstancesSettings } from './managed-instances-settings';
import { functionAssets, ManagedInstancesStack } from './managed-instances-stack';
import {
  certificateRegion,
  readEksSettings,
  readFargateSettings,
  readLambdaImageSettings,
} from './settings';

export interface BuildAppOptions {
  /** Docker build contexts; build/containers/* of this repository by default. */
  readonly assetDirs?: Partial<ContainerAssetDirs>;
  /** Context values, as `cdk synth -c key=value` gives them. */
  readonly context?: Readonly<Record<string, unknown>>;
  /** Where the cloud assembly goes; the CLI decides when unset. */
  readonly outdir?: string;
  /**
   * Which stacks to build; else context `stacks` (`-c stacks=fargate`), else both. A stack
   * needs only its own image directories.
   */
  readonly stacks?: readonly StackName[];
}

export type StackName = 'lambda-image' | 'fargate' | 'eks' | 'managed-instances';
const STACK_NAMES: readonly StackName[] = ['lambda-image', 'fargate', 'eks', 'managed-instances'];

export interface CartoonApp {
  readonly app: App;
  readonly lambdaImage?: LambdaImageStack;
  readonly fargate?: FargateStack;
  readonly eks?: EksStack;
  readonly managedInstances?: ManagedInstancesStack;
}

function packageVersion(): string {
  const file = path.resolve(__dirname, '..', '..', 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

function stacksFromContext(raw: unknown): readonly StackName[] {
  if (raw === undefined || raw === '') return STACK_NAMES;
  const names = String(raw)
    .split(',')
    .map((name) => name.trim());
  const unknown = names.filter((name) => !STACK_NAMES.includes(name as StackName));
  if (unknown.length > 0) {
    throw new Error(`context stacks must list ${STACK_NAMES.join(' and/or ')}; got '${raw}'`);
  }
  return names as StackName[];
}

/**
 * Builds the app. Stacks are environment-agnostic: synth needs no AWS account, and `cdk deploy`
 * takes the account and region from the credentials it runs with.
 *
 * @example
 * ```ts
 * const { app, fargate } = buildApp({ context: { spot: 'true' }, stacks: ['fargate'] });
 * app.synth();
 * ```
 */
export function buildApp(options: BuildAppOptions = {}): CartoonApp {
  const app = new App({
    ...(options.context === undefined ? {} : { context: { ...options.context } }),
    ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
  });
  const get = (key: string): unknown => app.node.tryGetContext(key);
  const dirs = { ...DEFAULT_ASSET_DIRS, ...options.assetDirs };
  const stacks = options.stacks ?? stacksFromContext(get('stacks'));
  const version = packageVersion();
  const stage = String(get('stage') ?? 'dev');

  const lambdaImage = stacks.includes('lambda-image')
    ? new LambdaImageStack(app, 'LambdaImage', {
        stackName: `cartoon-compute-${stage}-lambda-image`,
        description:
          'cartoon-compute lambda-image: Lambda container image (arm64), HTTP API, S3 to SQS',
        settings: readLambdaImageSettings(get),
        assetDir: dirs.lambdaImage,
        version,
      })
    : undefined;
  const fargateSettings = stacks.includes('fargate') ? readFargateSettings(get) : undefined;
  const fargate = fargateSettings
    ? new FargateStack(app, 'Fargate', {
        stackName: `cartoon-compute-${stage}-fargate`,
        description: 'cartoon-compute fargate: ECS Fargate service behind an ALB, S3 to SQS',
        // Outside development the stack lives in its certificate's region (an ALB takes only a
        // certificate of its own region), which its access-log bucket policy needs to know.
        ...(fargateSettings.development || fargateSettings.certificateArn === undefined
          ? {}
          : { env: { region: certificateRegion(fargateSettings.certificateArn) } }),
        settings: fargateSettings,
        assetDirs: { arm64: dirs.fargate, x86_64: dirs.fargateX86 },
        version,
      })
    : undefined;

  const eks = stacks.includes('eks')
    ? new EksStack(app, 'Eks', {
        stackName: `cartoon-compute-${stage}-eks`,
        description:
          'cartoon-compute eks: the fargate container on EKS Auto Mode (Graviton), S3 to SQS, KEDA',
        settings: readEksSettings(get),
        assetDir: dirs.fargate,
        version,
      })
    : undefined;

  // The lambda-zip bundles and layer, as the lambda-image build context stages them.
  const managedInstances = stacks.includes('managed-instances')
    ? new ManagedInstancesStack(app, 'ManagedInstances', {
        stackName: `cartoon-compute-${stage}-managed-instances`,
        description:
          'cartoon-compute managed-instances: Lambda Managed Instances (Graviton), HTTP API, S3 to SQS',
        settings: readManagedInstancesSettings(get),
        assets: functionAssets(dirs.lambdaImage),
        version,
      })
    : undefined;

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return {
    app,
    ...(lambdaImage === undefined ? {} : { lambdaImage }),
    ...(fargate === undefined ? {} : { fargate }),
    ...(eks === undefined ? {} : { eks }),
    ...(managedInstances === undefined ? {} : { managedInstances }),
  };
}
