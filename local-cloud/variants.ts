/**
 * Where each variant's template and staged image are in this repository, and the builds that
 * make them: what `npm start` runs, as a module, so that other scripts (the load tests) start
 * the same three variants the same way.
 *
 * - lambda-zip: `.serverless/cloudformation-template-update-stack.json` (`npm run package`) and
 *   the layer for this CPU (`npm run build:layer -- --arch x64` on x64).
 * - lambda-image and fargate: `build/cdk.out/{LambdaImage,Fargate}.template.json`, the CDK app
 *   synthesized in-process as `npm run synth` does, and the staged contexts under
 *   `build/containers/` (`npm run build:containers`): lambda-image's with the layer for this CPU
 *   in place of its arm64 one, and fargate's for this CPU (`fargate-x86_64` on x64).
 * - managed-instances: `build/cdk.out/ManagedInstances.template.json`; its functions run from
 *   the CDK assets the template names (`build/cdk.out/asset.<hash>`, the lambda-zip bundles
 *   staged by `npm run build:containers`), its layer as built for this CPU (`build/layer/<cpu>`,
 *   `npm run build:layer -- --arch x64` on x64) in place of the arm64 one it deploys.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { VariantSource } from './local-cloud';

export const VARIANT_NAMES = [
  'lambda-zip',
  'lambda-image',
  'fargate',
  'managed-instances',
] as const;
export type VariantName = (typeof VARIANT_NAMES)[number];

/** The repository this module is in. */
export const REPO_ROOT = path.resolve(__dirname, '..');

interface Files {
  readonly template: string;
  readonly imageContext?: string;
  readonly imageReplace?: Readonly<Record<string, string>>;
  /** Where the CDK assets a template's zip functions name are staged (`asset.<hash>`). */
  readonly assetDir?: string;
  /** The layer as built for this CPU, unpacked (an /opt), for the template's layers. */
  readonly layerDir?: string;
}

/** The layer and fargate build for a CPU as Node names it. */
function cpu(arch: string): 'arm64' | 'x64' {
  return arch === 'arm64' ? 'arm64' : 'x64';
}

/**
 * A variant's template and image context.
 *
 * @example
 * ```ts
 * variantFiles('fargate').imageContext; // …/build/containers/fargate-x86_64 on x64
 * ```
 */
export function variantFiles(
  name: VariantName,
  root: string = REPO_ROOT,
  arch: string = process.arch,
): Files {
  const cdkOut = path.join(root, 'build', 'cdk.out');
  const containers = path.join(root, 'build', 'containers');
  if (name === 'lambda-zip') {
    return {
      template: path.join(root, '.serverless', 'cloudformation-template-update-stack.json'),
    };
  }
  if (name === 'lambda-image') {
    return {
      template: path.join(cdkOut, 'LambdaImage.template.json'),
      imageContext: path.join(containers, 'lambda-image'),
      // The image holds the arm64 layer; this CPU runs the same layer built for it.
      imageReplace: {
        '/opt/nodejs/node_modules': path.join(
          root,
          'build',
          'layer',
          cpu(arch),
          'nodejs',
          'node_modules',
        ),
      },
    };
  }
  if (name === 'managed-instances') {
    return {
      template: path.join(cdkOut, 'ManagedInstances.template.json'),
      assetDir: cdkOut,
      layerDir: path.join(root, 'build', 'layer', cpu(arch)),
    };
  }
  return {
    template: path.join(cdkOut, 'Fargate.template.json'),
    imageContext: path.join(containers, cpu(arch) === 'arm64' ? 'fargate' : 'fargate-x86_64'),
  };
}

/**
 * Each variant's template, by name: what `npm start` and the load test's local target check
 * for and read.
 *
 * @example
 * ```ts
 * variantTemplates().fargate; // …/build/cdk.out/Fargate.template.json
 * ```
 */
export function variantTemplates(root: string = REPO_ROOT): Record<VariantName, string> {
  return Object.fromEntries(
    VARIANT_NAMES.map((name) => [name, variantFiles(name, root).template]),
  ) as Record<VariantName, string>;
}

/**
 * The local cloud's variant list for these names, ports counted up from `port` (0: any).
 *
 * @example
 * ```ts
 * const cloud = await startLocalCloud({ stateDir: '.local-cloud', artifactDirs: artifactDirs(),
 *   variants: variantSources(VARIANT_NAMES, { port: 0, tasks: 2 }) });
 * ```
 */
export function variantSources(
  names: readonly VariantName[],
  options: { readonly port?: number; readonly tasks?: number; readonly root?: string } = {},
): VariantSource[] {
  const port = options.port ?? 0;
  return names.map((name, i) => {
    const files = variantFiles(name, options.root);
    return {
      name,
      template: files.template,
      port: port === 0 ? 0 : port + i,
      ...(files.imageContext === undefined ? {} : { imageContext: files.imageContext }),
      ...(files.imageReplace === undefined ? {} : { imageReplace: files.imageReplace }),
      ...(files.assetDir === undefined ? {} : { assetDir: files.assetDir }),
      ...(files.layerDir === undefined ? {} : { layerDir: files.layerDir }),
      ...(name === 'fargate' && options.tasks !== undefined ? { tasks: options.tasks } : {}),
    };
  });
}

/**
 * Where lambda-zip's artifacts are found.
 *
 * @example
 * ```ts
 * artifactDirs(); // ['…/build', '…/build/functions']
 * ```
 */
export function artifactDirs(root: string = REPO_ROOT): string[] {
  return [path.join(root, 'build'), path.join(root, 'build', 'functions')];
}

/** Newest modification time under the paths (node_modules, dist and dot folders skipped). */
function newest(...paths: string[]): number {
  let latest = 0;
  for (const entry of paths) {
    if (!existsSync(entry)) continue;
    const stat = statSync(entry);
    if (!stat.isDirectory()) {
      latest = Math.max(latest, stat.mtimeMs);
      continue;
    }
    for (const name of readdirSync(entry)) {
      if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
      latest = Math.max(latest, newest(path.join(entry, name)));
    }
  }
  return latest;
}

function staleOrMissing(output: string, sources: string[]): boolean {
  return !existsSync(output) || statSync(output).mtimeMs < newest(...sources);
}

export interface BuildOptions {
  readonly root?: string;
  readonly arch?: string;
  /** Prints a note per step. */
  readonly log?: (line: string) => void;
  /** Runs one build command (npm …) in the repository; execFileSync by default. */
  readonly run?: (command: readonly string[]) => void;
  /** Synthesizes the CDK app into `outdir`; in-process with infra's buildApp by default. */
  readonly synth?: (outdir: string) => Promise<void>;
}

/**
 * Builds what the variants run when it is missing or older than its sources, with a note
 * per step, so that `npm start` works on a fresh clone after `npm install`. Returns the steps
 * taken.
 *
 * @example
 * ```ts
 * await ensureBuilt(['lambda-zip', 'fargate'], { log: console.log });
 * ```
 */
export async function ensureBuilt(
  names: readonly VariantName[],
  options: BuildOptions = {},
): Promise<string[]> {
  const root = options.root ?? REPO_ROOT;
  const arch = cpu(options.arch ?? process.arch);
  const log = options.log ?? (() => undefined);
  const run =
    options.run ??
    ((command: readonly string[]) => {
      const [file = 'npm', ...args] = command;
      execFileSync(file, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    });
  const taken: string[] = [];
  const step = async (note: string, what: string, work: () => void | Promise<void>) => {
    const started = performance.now();
    log(`build: ${note}: ${what}`);
    await work();
    taken.push(note);
    log(`build: ${note}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  const code = ['services', 'layers/core/src', 'layers/core/package.json', 'package-lock.json'].map(
    (p) => path.join(root, p),
  );
  if (
    names.includes('lambda-zip') &&
    (staleOrMissing(variantFiles('lambda-zip', root).template, [
      ...code,
      path.join(root, 'serverless.yml'),
    ]) ||
      staleOrMissing(path.join(root, 'build', `layer-${arch}.zip`), code))
  ) {
    const pack = ['npm', 'run', 'package'];
    await step('lambda-zip package and template', pack.join(' '), () => run(pack));
    // The package's layer is arm64, as Lambda runs it; this CPU needs its own build.
    if (arch !== 'arm64') {
      const layer = ['npm', 'run', 'build:layer', '--', '--arch', arch];
      await step(`layer for ${arch}`, layer.join(' '), () => run(layer));
    }
  }
  // managed-instances runs the layer built for this CPU too (lambda-zip's step builds it).
  if (
    names.includes('managed-instances') &&
    !taken.includes(`layer for ${arch}`) &&
    staleOrMissing(path.join(root, 'build', `layer-${arch}.zip`), code)
  ) {
    const layer = ['npm', 'run', 'build:layer', '--', '--arch', arch];
    await step(`layer for ${arch}`, layer.join(' '), () => run(layer));
  }
  const containerNames = names.filter((name) => name !== 'lambda-zip');
  if (containerNames.length === 0) return taken;
  const dockerfiles = (['lambda-image', 'fargate'] as const).map((name) =>
    path.join(variantFiles(name, root, arch).imageContext ?? '', 'Dockerfile'),
  );
  if (dockerfiles.some((file) => staleOrMissing(file, [...code, path.join(root, 'container')]))) {
    const stage = ['npm', 'run', 'build:containers'];
    await step('container build contexts', stage.join(' '), () => run(stage));
  }
  const templates = containerNames.map((name) => variantFiles(name, root).template);
  if (templates.some((file) => staleOrMissing(file, [path.join(root, 'infra'), ...dockerfiles]))) {
    const outdir = path.join(root, 'build', 'cdk.out');
    await step('CDK templates', 'synthesizing the CDK app into build/cdk.out', async () => {
      if (options.synth !== undefined) return options.synth(outdir);
      // Loaded only when needed: the CDK library takes seconds to load.
      const { buildApp } = await import('../infra/lib/app.js');
      buildApp({ outdir }).app.synth();
    });
  }
  return taken;
}
