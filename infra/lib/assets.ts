/**
 * Where the Docker build contexts are. `npm run build:containers` stages them under
 * build/containers/; tests hand in temporary directories with a trivial Dockerfile instead.
 * `cdk synth` only copies these directories into the cloud assembly and hashes them; the
 * images are built by `cdk deploy`, so synth needs no Docker.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface ContainerAssetDirs {
  /** The Lambda image (arm64): CMD `api/index.handler`, and `queue/index.handler` for the queue. */
  readonly lambdaImage: string;
  /** The Fargate image for arm64 (Graviton), the default. */
  readonly fargate: string;
  /** The Fargate image for x86_64, the only architecture Fargate Spot runs. */
  readonly fargateX86: string;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** build/containers/* of this repository. */
export const DEFAULT_ASSET_DIRS: ContainerAssetDirs = {
  lambdaImage: path.join(REPO_ROOT, 'build', 'containers', 'lambda-image'),
  fargate: path.join(REPO_ROOT, 'build', 'containers', 'fargate'),
  fargateX86: path.join(REPO_ROOT, 'build', 'containers', 'fargate-x86_64'),
};

/**
 * `dir`, once it is known to hold a Dockerfile; else an error that says how to stage it.
 *
 * @example
 * ```ts
 * const context = dockerContext(DEFAULT_ASSET_DIRS.fargate); // throws before build:containers
 * ```
 */
export function dockerContext(dir: string): string {
  if (!existsSync(path.join(dir, 'Dockerfile'))) {
    throw new Error(
      `${path.join(dir, 'Dockerfile')} does not exist: run \`npm run build:containers\` first ` +
        '(it stages the Docker build contexts under build/containers/)',
    );
  }
  return dir;
}
