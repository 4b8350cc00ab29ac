/**
 * A record of the processes the local cloud started, so a run that was itself killed with
 * SIGKILL (no chance to stop its children) is cleaned up by the next start. Environments run
 * in their own session (so a timeout can kill everything they started), which means a frozen
 * one would otherwise stay stopped forever once its parent is gone.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/** What a process of ours has in its command line; a reused pid will not match. */
const OURS = ['runtime/bootstrap.cjs', "from 'fauxqs'"];

/**
 * Kills the processes a previous run recorded in `file`, if they are still ours.
 *
 * @example
 * ```ts
 * const killed = killLeftovers('.local-cloud/pids.json'); // [] after a clean stop
 * ```
 */
export function killLeftovers(file: string): number[] {
  let pids: number[];
  try {
    pids = JSON.parse(readFileSync(file, 'utf8')) as number[];
  } catch {
    return [];
  }
  const killed: number[] = [];
  for (const pid of pids) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    if (!OURS.some((mark) => cmdline.includes(mark))) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  writeFileSync(file, '[]\n');
  return killed;
}

/**
 * Keeps `file` listing the current pids, rewritten every `everyMs`; stop() writes it empty.
 *
 * @example
 * ```ts
 * const record = recordPids('.local-cloud/pids.json', () => cloud.pids());
 * // on shutdown, after the processes are gone:
 * record.stop();
 * ```
 */
export function recordPids(file: string, pids: () => number[], everyMs = 1000) {
  let written: string | undefined;
  const write = (list: number[]) => {
    const text = `${JSON.stringify(list)}\n`;
    // The list changes only when a process starts or ends: most ticks have nothing to write.
    if (text === written) return;
    // Written whole and renamed, so a reader never sees half a list. A state folder removed
    // under a running local cloud must not crash it: that would orphan every process it runs.
    try {
      writeFileSync(`${file}.tmp`, text);
      renameSync(`${file}.tmp`, file);
      written = text;
    } catch {
      // Nothing to record into; the next write tries again.
    }
  };
  write(pids());
  const timer = setInterval(() => write(pids()), everyMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      write([]);
    },
  };
}
