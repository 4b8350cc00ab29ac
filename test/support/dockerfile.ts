/**
 * Reads a Dockerfile the way `docker build` would, enough to check a staged build context
 * without an engine: instructions per stage, ARG defaults substituted, and the image
 * filesystem its COPY lines would produce laid out in a directory.
 */
import { cpSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

export interface Instruction {
  readonly keyword: string;
  /** The rest of the line, continuation lines joined. */
  readonly args: string;
}

export interface Stage {
  readonly from: string;
  readonly platform?: string;
  readonly name?: string;
  readonly instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  readonly globalArgs: Record<string, string>;
  readonly stages: Stage[];
}

/**
 * @example
 * ```ts
 * const { stages } = parseDockerfile(readFileSync('Dockerfile', 'utf8'));
 * const cmd = lastOf(stages.at(-1), 'CMD');
 * ```
 */
export function parseDockerfile(text: string): Dockerfile {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(\S+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const keyword = (match[1] ?? '').toUpperCase();
    const args = (match[2] ?? '').replace(/\s+/g, ' ').trim();
    if (keyword === 'FROM') {
      const substituted = args.replace(/\$\{(\w+)\}/g, (_, name: string) => globalArgs[name] ?? '');
      const platform = /--platform=(\S+)/.exec(substituted)?.[1];
      const rest = substituted.replace(/--platform=\S+\s*/, '').split(' ');
      stages.push({
        from: rest[0] ?? '',
        ...(platform ? { platform } : {}),
        ...(rest[1]?.toUpperCase() === 'AS' && rest[2] ? { name: rest[2] } : {}),
        instructions: [],
      });
    } else if (stages.length === 0 && keyword === 'ARG') {
      const [name = '', value = ''] = args.split('=');
      globalArgs[name] = value;
    } else {
      stages.at(-1)?.instructions.push({ keyword, args });
    }
  }
  return { globalArgs, stages };
}

/**
 * Every instruction of one kind in a stage.
 *
 * @example
 * ```ts
 * expect(all(finalStage, 'RUN')).toEqual([]);
 * ```
 */
export function all(stage: Stage | undefined, keyword: string): Instruction[] {
  return stage?.instructions.filter((i) => i.keyword === keyword) ?? [];
}

/**
 * The instruction of one kind that takes effect (the last), as for CMD, USER or WORKDIR.
 *
 * @example
 * ```ts
 * expect(lastOf(finalStage, 'USER')?.args).toBe('node');
 * ```
 */
export function lastOf(stage: Stage | undefined, keyword: string): Instruction | undefined {
  return all(stage, keyword).at(-1);
}

/**
 * A JSON-array (exec form) argument list.
 *
 * @example
 * ```ts
 * execForm(lastOf(stage, 'CMD')); // ['node', 'server.js']
 * ```
 */
export function execForm(instruction: Instruction | undefined): string[] {
  if (!instruction) return [];
  const json = instruction.args.replace(/^(--\S+\s+)*/, '');
  const value: unknown = JSON.parse(json);
  if (!Array.isArray(value)) throw new Error(`not the exec form: ${instruction.args}`);
  return value.map(String);
}

export interface CopyLine {
  readonly from?: string;
  readonly sources: string[];
  readonly destination: string;
}

/**
 * A stage's COPY lines: flags, sources (relative to the context) and destination.
 *
 * @example
 * ```ts
 * copyLines(stage).filter((copy) => !copy.from).flatMap((copy) => copy.sources);
 * ```
 */
export function copyLines(stage: Stage | undefined): CopyLine[] {
  return all(stage, 'COPY').map(({ args }) => {
    const parts = args.split(' ');
    const flags = parts.filter((p) => p.startsWith('--'));
    const paths = parts.filter((p) => !p.startsWith('--'));
    const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
    return {
      ...(from ? { from } : {}),
      sources: paths.slice(0, -1),
      destination: paths.at(-1) ?? '',
    };
  });
}

/**
 * Lays out, under `root`, what a stage's COPY lines from the build context put in the image,
 * resolving relative destinations against WORKDIR and `${VAR}` from `env` (the base image's
 * variables, such as LAMBDA_TASK_ROOT). COPY --from lines are left to the caller.
 * Resolves to the stage's final WORKDIR.
 *
 * @example
 * ```ts
 * layOut(stage, 'build/containers/lambda-image', tmp, { LAMBDA_TASK_ROOT: '/var/task' });
 * ```
 */
export function layOut(
  stage: Stage,
  context: string,
  root: string,
  env: Record<string, string> = {},
): string {
  let workdir = '/';
  for (const instruction of stage.instructions) {
    const expand = (value: string) =>
      value.replace(/\$\{(\w+)\}/g, (_, name: string) => env[name] ?? `\${${name}}`);
    if (instruction.keyword === 'WORKDIR') {
      workdir = path.posix.resolve(workdir, expand(instruction.args));
      mkdirSync(path.join(root, workdir), { recursive: true });
    }
    if (instruction.keyword !== 'COPY') continue;
    const [copy] = copyLines({ from: '', instructions: [instruction] });
    if (!copy || copy.from) continue;
    const destination = path.posix.resolve(workdir, expand(copy.destination));
    const intoDir = copy.destination.endsWith('/') || copy.sources.length > 1;
    for (const source of copy.sources) {
      const from = path.join(context, source);
      if (!existsSync(from)) throw new Error(`COPY source ${source} is not in the context`);
      const target =
        intoDir && !statSync(from).isDirectory()
          ? path.join(root, destination, path.basename(source))
          : path.join(root, destination);
      mkdirSync(path.dirname(target), { recursive: true });
      cpSync(from, target, { recursive: true });
    }
  }
  return workdir;
}

/**
 * The variables a stage's ENV lines set (the `KEY=value` form, values without spaces).
 *
 * @example
 * ```ts
 * envOf(stage).NODE_PATH; // '/opt/nodejs/node24/node_modules:/opt/nodejs/node_modules:...'
 * ```
 */
export function envOf(stage: Stage | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of all(stage, 'ENV')) {
    for (const pair of args.split(' ')) {
      const equals = pair.indexOf('=');
      if (equals > 0) env[pair.slice(0, equals)] = pair.slice(equals + 1);
    }
  }
  return env;
}

/** `image@sha256:<64 hex digits>`: a base that names one immutable image. */
const PINNED = /@sha256:[0-9a-f]{64}$/;

/**
 * The FROM lines whose base is not pinned by digest, after ARG defaults are substituted. A
 * stage built `FROM` an earlier stage of the same file is not a base image and passes.
 *
 * @example
 * ```ts
 * unpinnedBases(parseDockerfile('FROM node:24-bookworm-slim\n')); // ['node:24-bookworm-slim']
 * ```
 */
export function unpinnedBases(dockerfile: Dockerfile): string[] {
  const earlier = new Set<string>();
  const unpinned: string[] = [];
  for (const stage of dockerfile.stages) {
    if (!earlier.has(stage.from) && !PINNED.test(stage.from)) unpinned.push(stage.from);
    if (stage.name !== undefined) earlier.add(stage.name);
  }
  return unpinned;
}
