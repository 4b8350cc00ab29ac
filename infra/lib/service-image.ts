/**
 * The fargate container image (arm64) as a CDK Docker image asset, for a stack that is not an
 * ECS one: the eks variant runs that same image on Graviton nodes. The build context and
 * platform are the fargate stack's, so the asset's hash, and with it the image the CDK pushes
 * to its bootstrap repository, is the same: one build serves both variants.
 */
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import type { Construct } from 'constructs';
import { dockerContext } from './assets';

/**
 * The arm64 image built from `dir` (DEFAULT_ASSET_DIRS.fargate): `cdk deploy` builds and
 * pushes it, synth only stages and hashes the directory.
 *
 * @example
 * ```ts
 * const image = fargateImageAsset(this, 'Image', DEFAULT_ASSET_DIRS.fargate);
 * new CfnOutput(this, 'ImageUri', { value: image.imageUri });
 * ```
 */
export function fargateImageAsset(scope: Construct, id: string, dir: string): DockerImageAsset {
  return new DockerImageAsset(scope, id, {
    directory: dockerContext(dir),
    platform: Platform.LINUX_ARM64,
  });
}
