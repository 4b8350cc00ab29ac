/**
 * Which CPUs the load generator gets and which the cloud gets, so the process that makes the
 * load does not compete with what it measures. With two or more CPUs the last one goes to the
 * load generator (autocannon in its own process) and the rest to the load test process, which
 * its local cloud and every environment inherit (Linux CPU affinity passes to children). With
 * one CPU they share it, and the report says so. `taskset` (util-linux) sets the affinity;
 * where it is missing or refused, nothing is pinned and the report says why.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface CpuSplit {
  /** CPUs of the load test process, its local cloud and the bare cartoonize() yardstick. */
  readonly cloud: readonly number[];
  /** CPUs of the load generator; the same as `cloud` when they share. */
  readonly load: readonly number[];
  /** Whether the split was applied (affinity set), not only planned. */
  readonly pinned: boolean;
  /** One line for the report: how the CPUs were split, or why they were shared. */
  readonly note: string;
}

/**
 * Parses a CPU list as the kernel writes it (`0-3,6`).
 *
 * @example
 * ```ts
 * parseCpuList('0-2,5'); // [0, 1, 2, 5]
 * ```
 */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const [from, to] = part.split('-').map(Number);
    if (from === undefined || !Number.isInteger(from)) continue;
    const last = to === undefined || !Number.isInteger(to) ? from : to;
    for (let cpu = from; cpu <= last; cpu++) cpus.push(cpu);
  }
  return cpus;
}

/**
 * The CPUs this process may run on (its affinity), from /proc; undefined off Linux.
 *
 * @example
 * ```ts
 * allowedCpus(); // [0, 1] on a two-CPU machine
 * ```
 */
export function allowedCpus(statusFile = '/proc/self/status'): number[] | undefined {
  try {
    const line = readFileSync(statusFile, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Cpus_allowed_list:'));
    const cpus = line ? parseCpuList(line.slice(line.indexOf(':') + 1)) : [];
    return cpus.length > 0 ? cpus : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The planned split of `cpus`: the last CPU for the load generator, the rest for the cloud,
 * when there are at least two and pinning is wanted; otherwise shared.
 *
 * @example
 * ```ts
 * planCpuSplit([0, 1], true).note; // 'load generator on CPU 1; the load test, its local cloud and bare cartoonize() on CPU 0'
 * ```
 */
export function planCpuSplit(cpus: readonly number[], pin: boolean): CpuSplit {
  const list = (c: readonly number[]) => `CPU${c.length > 1 ? 's' : ''} ${c.join(',')}`;
  if (!pin)
    return {
      cloud: cpus,
      load: cpus,
      pinned: false,
      note: `not split (--pin off): the load generator and the cloud share ${list(cpus)}`,
    };
  if (cpus.length < 2)
    return {
      cloud: cpus,
      load: cpus,
      pinned: false,
      note: `shared: only ${list(cpus)} here, so the load generator competes with the cloud it measures`,
    };
  const load = cpus.slice(-1);
  const cloud = cpus.slice(0, -1);
  return {
    cloud,
    load,
    pinned: true,
    note: `load generator on ${list(load)}; the load test, its local cloud and bare cartoonize() on ${list(cloud)}`,
  };
}

/**
 * Pins this process (every thread of it, so children started later inherit it) to the
 * split's cloud CPUs. Answers the split as applied: unpinned, with the reason, when taskset
 * is missing or refused.
 *
 * @example
 * ```ts
 * const split = applyCpuSplit(planCpuSplit(allowedCpus() ?? [0], true));
 * console.error(split.note);
 * ```
 */
export function applyCpuSplit(plan: CpuSplit, pid = process.pid): CpuSplit {
  if (!plan.pinned) return plan;
  const shared = (why: string): CpuSplit => ({
    cloud: [...plan.cloud, ...plan.load],
    load: [...plan.cloud, ...plan.load],
    pinned: false,
    note: `shared (${why}): the load generator competes with the cloud it measures`,
  });
  try {
    execFileSync('taskset', ['-a', '-p', '-c', plan.cloud.join(','), String(pid)], {
      stdio: 'ignore',
    });
  } catch (err) {
    return shared(
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no taskset' : 'taskset failed',
    );
  }
  // `taskset -a` answers 0 even when it found no thread to change: read back what applied.
  const now = allowedCpus(`/proc/${pid}/status`);
  return now !== undefined && now.join(',') === plan.cloud.join(',')
    ? plan
    : shared('taskset did not apply');
}

/**
 * The command that starts `command` on `cpus` (through taskset), or the command itself when
 * the split is not pinned.
 *
 * @example
 * ```ts
 * const [cmd, args] = onCpus(split.load, split.pinned, process.execPath, ['worker.js']);
 * ```
 */
export function onCpus(
  cpus: readonly number[],
  pinned: boolean,
  command: string,
  args: readonly string[],
): [string, string[]] {
  return pinned ? ['taskset', ['-c', cpus.join(','), command, ...args]] : [command, [...args]];
}
