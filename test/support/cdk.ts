/**
 * Synthesizing the CDK app in-process for tests: stand-in Docker build contexts (a trivial
 * Dockerfile that names its directory, so a test can tell which one an image was staged
 * from), the real `buildApp` with the real cdk-nag plugin, and the templates in the shape
 * test/support/template.ts reads.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildApp, type CartoonApp, type StackName } from '../../infra/lib/app';
import type { ContainerAssetDirs } from '../../infra/lib/assets';
import { render, type Template } from './template';

export interface Synthesized {
  readonly cartoon: CartoonApp;
  readonly assembly: CloudAssembly;
  readonly outdir: string;
  /** The stack's template; throws if the stack was not built. */
  template(stack: StackName): Template;
  /** The Dockerfile an image URI of the stack was staged from (its first line names the dir). */
  stagedDockerfile(stack: StackName, imageUri: unknown): string;
}

export interface SynthOptions {
  readonly context?: Readonly<Record<string, unknown>>;
  readonly stacks?: readonly StackName[];
  readonly assetDirs?: ContainerAssetDirs;
}

/**
 * A temporary directory with one build context per image, each a Dockerfile whose first line
 * is `# <name>`, so the staged copy says where it came from.
 *
 * @example
 * ```ts
 * const { dirs, remove } = stubAssetDirs();
 * readFileSync(path.join(dirs.fargate, 'Dockerfile'), 'utf8'); // '# fargate\nFROM scratch\n...'
 * remove();
 * ```
 */
export function stubAssetDirs(): { dirs: ContainerAssetDirs; root: string; remove: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'cartoon-cdk-assets-'));
  const make = (name: string): string => {
    const dir = path.join(root, name);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'Dockerfile'), `# ${name}\nFROM scratch\nCMD ["${name}"]\n`);
    return dir;
  };
  const lambdaImage = make('lambda-image');
  // The lambda-zip bundles and layer the managed-instances stack takes from that context.
  for (const name of ['api', 'queue', 'process']) {
    mkdirSync(path.join(lambdaImage, 'functions', name), { recursive: true });
    writeFileSync(path.join(lambdaImage, 'functions', name, 'index.js'), `// ${name}\n`);
  }
  mkdirSync(path.join(lambdaImage, 'layer', 'nodejs', 'node_modules'), { recursive: true });
  writeFileSync(path.join(lambdaImage, 'layer', 'nodejs', 'node_modules', '.keep'), '');
  return {
    dirs: {
      lambdaImage,
      fargate: make('fargate'),
      fargateX86: make('fargate-x86_64'),
    },
    root,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * Builds and synthesizes the app into a fresh directory, as `cdk synth` does: validation
 * plugins (cdk-nag) run, and an unacknowledged error throws here.
 *
 * @example
 * ```ts
 * const synthesized = synthesize({ context: { spot: 'true' }, assetDirs: dirs, stacks: ['fargate'] });
 * synthesized.template('fargate').Resources;
 * ```
 */
export function synthesize(options: SynthOptions & { outdir: string }): Synthesized {
  const cartoon = buildApp({
    outdir: options.outdir,
    ...(options.context === undefined ? {} : { context: options.context }),
    ...(options.stacks === undefined ? {} : { stacks: options.stacks }),
    ...(options.assetDirs === undefined ? {} : { assetDirs: options.assetDirs }),
  });
  const assembly = cartoon.app.synth();
  const stackOf = (name: StackName) => {
    const stack = {
      'lambda-image': cartoon.lambdaImage,
      fargate: cartoon.fargate,
      eks: cartoon.eks,
      'managed-instances': cartoon.managedInstances,
    }[name];
    if (stack === undefined) throw new Error(`the ${name} stack was not built`);
    return stack;
  };
  return {
    cartoon,
    assembly,
    outdir: options.outdir,
    template: (name) => assembly.getStackArtifact(stackOf(name).artifactId).template as Template,
    stagedDockerfile: (name, imageUri) => {
      const hash = /:([0-9a-f]{64})$/.exec(render(imageUri))?.[1];
      if (hash === undefined) throw new Error(`no asset hash in ${render(imageUri)}`);
      const manifest = JSON.parse(
        readFileSync(path.join(options.outdir, `${stackOf(name).artifactId}.assets.json`), 'utf8'),
      ) as { dockerImages: Record<string, { source: { directory: string } }> };
      const image = manifest.dockerImages[hash];
      if (image === undefined) throw new Error(`no docker image asset ${hash}`);
      return readFileSync(path.join(options.outdir, image.source.directory, 'Dockerfile'), 'utf8');
    },
  };
}

/** A fresh scratch directory for a cloud assembly. */
export function scratchDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'cartoon-cdk-out-'));
}
