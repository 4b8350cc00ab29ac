/**
 * A staged container build context (build/containers/*) read as the image it would become, with
 * no Docker engine: the final stage's ENV, WORKDIR and CMD, and its filesystem laid out in a
 * folder exactly as the COPY lines say. The local cloud runs lambda-image functions and fargate
 * tasks from these folders, so the paths they see are the image's paths under a temporary root.
 *
 * What it does not do: RUN lines, multi-stage `COPY --from` (the final stage's `--from` copies
 * are skipped; our images copy only the verified build context forward), USER, HEALTHCHECK.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

export interface ContainerImage {
  /** The context folder it was read from. */
  readonly context: string;
  /** `--platform` of the final stage's FROM, after ARG defaults. */
  readonly platform?: string;
  /** ENV of the final stage (`KEY=value` pairs). */
  readonly env: Readonly<Record<string, string>>;
  readonly workdir: string;
  /** CMD in exec form. */
  readonly cmd: readonly string[];
  /** COPY lines of the final stage that read the build context. */
  readonly copies: readonly { readonly sources: readonly string[]; readonly destination: string }[];
}

/**
 * Reads the Dockerfile of a build context.
 *
 * @example
 * ```ts
 * const image = readImage('build/containers/fargate-x86_64');
 * image.cmd; // ['node', 'server.js']
 * ```
 */
export function readImage(context: string): ContainerImage {
  const file = path.join(context, 'Dockerfile');
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: run npm run build:containers`);
  }
  const lines = readFileSync(file, 'utf8')
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const args: Record<string, string> = {};
  const env: Record<string, string> = {};
  let platform: string | undefined;
  let workdir = '/';
  let cmd: string[] = [];
  let copies: { sources: string[]; destination: string }[] = [];
  let baseEnv: Record<string, string> = {};
  const expand = (text: string) =>
    text.replace(
      /\$\{(\w+)\}/g,
      (_m, name: string) => env[name] ?? baseEnv[name] ?? args[name] ?? `\${${name}}`,
    );
  for (const line of lines) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const body = rest.join(' ');
    switch (keyword.toUpperCase()) {
      case 'ARG': {
        const [name = '', value = ''] = body.split('=');
        args[name] = value;
        break;
      }
      case 'FROM':
        // A new stage starts from nothing we can see: only the final stage counts.
        platform = /--platform=(\S+)/.exec(expand(body))?.[1];
        // The Lambda base images set LAMBDA_TASK_ROOT, which their Dockerfiles' COPY lines use.
        // The base may be named through an ARG (pinned by digest), so look at it expanded.
        baseEnv = expand(body).includes('public.ecr.aws/lambda/')
          ? { LAMBDA_TASK_ROOT: '/var/task' }
          : {};
        for (const key of Object.keys(env)) delete env[key];
        workdir = '/';
        cmd = [];
        copies = [];
        break;
      case 'ENV':
        for (const pair of body.split(' ')) {
          const equals = pair.indexOf('=');
          if (equals > 0) env[pair.slice(0, equals)] = pair.slice(equals + 1);
        }
        break;
      case 'WORKDIR':
        workdir = path.posix.resolve(workdir, expand(body));
        break;
      case 'CMD':
        cmd = body.startsWith('[') ? (JSON.parse(body) as string[]) : ['/bin/sh', '-c', body];
        break;
      case 'COPY': {
        if (/--from=/.test(body)) break;
        const parts = body.split(' ').filter((part) => !part.startsWith('--'));
        const destination = expand(parts.pop() ?? '.');
        copies.push({ sources: parts, destination: path.posix.resolve(workdir, destination) });
        break;
      }
      default:
        break;
    }
  }
  return { context, ...(platform ? { platform } : {}), env, workdir, cmd, copies };
}

/**
 * Lays out an image's files under `root` as its COPY lines place them; `replace` swaps a
 * destination for another folder (the layer built for this CPU instead of the image's arm64 one).
 *
 * @example
 * ```ts
 * layOutImage(readImage('build/containers/lambda-image'), '/tmp/img', {
 *   '/opt/nodejs/node_modules': 'build/layer/x64/nodejs/node_modules',
 * }); // /tmp/img/var/task/api/index.js, /tmp/img/opt/nodejs/node_modules/sharp, …
 * ```
 */
export function layOutImage(
  image: ContainerImage,
  root: string,
  replace: Readonly<Record<string, string>> = {},
): void {
  for (const copy of image.copies) {
    const intoDir = copy.destination.endsWith('/') || copy.sources.length > 1;
    for (const source of copy.sources) {
      const from = replace[copy.destination] ?? path.join(image.context, source);
      if (!existsSync(from)) throw new Error(`COPY source ${from} does not exist`);
      const target =
        intoDir && !statSync(from).isDirectory()
          ? path.join(root, copy.destination, path.basename(source))
          : path.join(root, copy.destination);
      rmSync(target, { recursive: true, force: true });
      mkdirSync(path.dirname(target), { recursive: true });
      cpSync(from, target, { recursive: true });
    }
  }
  mkdirSync(path.join(root, image.workdir), { recursive: true });
}

/**
 * The image's ENV with its absolute paths (PATH-like lists too) moved under `root`.
 *
 * @example
 * ```ts
 * imageEnv(image, '/tmp/img').NODE_PATH; // '/tmp/img/opt/nodejs/node24/node_modules:…'
 * ```
 */
export function imageEnv(image: ContainerImage, root: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(image.env).map(([name, value]) => [
      name,
      value
        .split(':')
        .map((part) => (part.startsWith('/') ? path.join(root, part) : part))
        .join(':'),
    ]),
  );
}
