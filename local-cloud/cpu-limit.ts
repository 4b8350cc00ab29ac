/**
 * CPU shares for local processes, as the platforms give them: Lambda gives an environment CPU
 * in proportion to its memory, Fargate gives a task its task definition's vCPU. Without a
 * limit, one local environment could use every core of the machine and a cold start or a warm
 * request would look faster than any Lambda of that size could be.
 *
 * A limit is a CFS bandwidth quota in a cgroup of its own: cgroup v2's `cpu.max`, or cgroup v1's
 * `cpu.cfs_quota_us` over `cpu.cfs_period_us`. Both need a writable cgroup file system (root on
 * most Linux machines, or a delegated subtree); where there is none, `openCpuLimits` says why
 * once and every process runs unlimited. A process enters its group before it runs any of its
 * own code: it is started through `/bin/sh`, which writes its pid into the group and then
 * `exec`s the real command, so init is limited too and the pid stays the same.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * Lambda's CPU for a memory size: "at 1,769 MB, a function has the equivalent of one vCPU",
 * in proportion below and above (the guide's "up to 6 vCPUs" at 10,240 MB is this ratio rounded).
 * Source: AWS Lambda developer guide, "Configure Lambda function memory"
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html, read 2026-12).
 *
 * @example
 * ```ts
 * lambdaVcpus(1769); // 1
 * lambdaVcpus(1024); // 0.578…
 * ```
 */
export function lambdaVcpus(memoryMb: number): number {
  return memoryMb / 1769;
}

export type CpuMechanism = 'cgroup-v2' | 'cgroup-v1' | 'none';

/** A cgroup holding one process (and whatever it starts) to a number of vCPUs. */
export interface CpuGroup {
  readonly vcpus: number;
  /** The command and arguments that start `command` inside this group. */
  wrap(command: string, args: readonly string[]): [string, string[]];
  /** Removes the group; call once its processes have exited. */
  remove(): void;
}

export interface CpuLimits {
  readonly mechanism: CpuMechanism;
  /** One line for the start banner and the report: what applied, or why nothing did. */
  readonly note: string;
  /** A new group limited to `vcpus`, or undefined when nothing can be limited here. */
  group(name: string, vcpus: number): CpuGroup | undefined;
  /** Removes every group this instance made (their processes must have exited). */
  close(): void;
}

export interface CpuLimitOptions {
  /** Where cgroups are mounted; tests point it elsewhere. */
  readonly mountPoint?: string;
  /** The process that owns the groups (its pid names the parent group). */
  readonly owner?: number;
}

const PERIOD_US = 100_000;
const PREFIX = 'cartoon-compute-';

/**
 * Opens the CPU limits for this machine: cgroup v2 if its `cpu` controller can be enabled,
 * else cgroup v1's `cpu` hierarchy, else none, with the reason. Groups left behind by a run
 * that was killed (its owner pid gone) are removed first.
 *
 * @example
 * ```ts
 * const limits = openCpuLimits();
 * console.log(limits.note);
 * const group = limits.group('env-1', lambdaVcpus(1024));
 * const [command, args] = group?.wrap(process.execPath, ['app.js']) ?? [process.execPath, ['app.js']];
 * ```
 */
export function openCpuLimits(options: CpuLimitOptions = {}): CpuLimits {
  const mount = options.mountPoint ?? '/sys/fs/cgroup';
  const owner = options.owner ?? process.pid;
  if (process.platform !== 'linux')
    return noCpuLimits(`CPU not limited: cgroups are Linux-only (${process.platform})`);
  const attempts: string[] = [];
  for (const open of [openV2, openV1]) {
    const result = open(mount, owner);
    if (typeof result !== 'string') return result;
    attempts.push(result);
  }
  return noCpuLimits(`CPU not limited: ${attempts.join('; ')}`);
}

/**
 * Limits that limit nothing, saying why.
 *
 * @example
 * ```ts
 * const limits = noCpuLimits('CPU not limited: turned off (--no-cpu-limits)');
 * ```
 */
export function noCpuLimits(note: string): CpuLimits {
  return { mechanism: 'none', note, group: () => undefined, close: () => undefined };
}

/** cgroup v2: a group beside ours at the root, with `cpu` enabled for its children. */
function openV2(mount: string, owner: number): CpuLimits | string {
  const controllers = readText(join(mount, 'cgroup.controllers'));
  if (controllers === undefined) return 'no cgroup v2 hierarchy';
  if (!controllers.split(/\s+/).includes('cpu')) return 'cgroup v2 has no cpu controller';
  try {
    writeFileSync(join(mount, 'cgroup.subtree_control'), '+cpu');
  } catch (err) {
    return `cgroup v2 not writable (${codeOf(err)})`;
  }
  return openParent(mount, owner, 'cgroup-v2', (dir, vcpus) => {
    writeFileSync(join(dir, 'cpu.max'), `${quotaUs(vcpus)} ${PERIOD_US}`);
  });
}

/** cgroup v1: a group in the `cpu` hierarchy. */
function openV1(mount: string, owner: number): CpuLimits | string {
  const root = join(mount, 'cpu');
  if (!existsSync(join(root, 'cpu.cfs_quota_us'))) return 'no cgroup v1 cpu hierarchy';
  return openParent(root, owner, 'cgroup-v1', (dir, vcpus) => {
    writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
    writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quotaUs(vcpus)));
  });
}

function openParent(
  root: string,
  owner: number,
  mechanism: Exclude<CpuMechanism, 'none'>,
  setQuota: (dir: string, vcpus: number) => void,
): CpuLimits | string {
  sweepDeadOwners(root);
  const parent = join(root, `${PREFIX}${owner}`);
  // The parent is the owner process's, shared by every instance it opens (the local cloud's,
  // the load test's): one closing may remove it while another still makes groups, so each
  // group makes sure of it again.
  const ensureParent = () => {
    mkdirSync(parent, { recursive: true });
    if (mechanism === 'cgroup-v2') writeFileSync(join(parent, 'cgroup.subtree_control'), '+cpu');
  };
  try {
    ensureParent();
  } catch (err) {
    return `${mechanism} not writable (${codeOf(err)})`;
  }
  const made = new Set<string>();
  const version = mechanism === 'cgroup-v2' ? 'cgroup v2 cpu.max' : 'cgroup v1 cpu.cfs_quota_us';
  return {
    mechanism,
    note: `CPU limited per process (${version}): a Lambda environment to its memory's share, a Fargate task to its vCPU`,
    group(name, vcpus) {
      const dir = join(parent, name.replace(/[^A-Za-z0-9_.-]/g, '_'));
      try {
        ensureParent();
        mkdirSync(dir, { recursive: true });
        setQuota(dir, vcpus);
      } catch {
        removeDir(dir);
        return undefined;
      }
      made.add(dir);
      const procs = join(dir, 'cgroup.procs');
      return {
        vcpus,
        wrap: (command, args) => [
          '/bin/sh',
          // $0 is the group's procs file: the shell enters the group, then becomes the command.
          ['-c', 'echo $$ > "$0" && exec "$@"', procs, command, ...args],
        ],
        remove() {
          made.delete(dir);
          removeDir(dir);
        },
      };
    },
    close() {
      for (const dir of made) removeDir(dir);
      made.clear();
      removeDir(parent);
    },
  };
}

/** The quota for `vcpus` per period; the kernel refuses less than 1 ms. */
function quotaUs(vcpus: number): number {
  return Math.max(1000, Math.round(vcpus * PERIOD_US));
}

/** Removes the groups of owners that are gone: a run killed before it could remove its own. */
function sweepDeadOwners(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root).filter((name) => name.startsWith(PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name.slice(PREFIX.length));
    if (!Number.isInteger(pid) || existsSync(`/proc/${pid}`)) continue;
    const parent = join(root, name);
    for (const child of safeReaddir(parent)) removeDir(join(parent, child));
    removeDir(parent);
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}

/** rmdir, which on a cgroup fails while a process is still in it: then it stays for the sweep. */
function removeDir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // still busy or already gone
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}
