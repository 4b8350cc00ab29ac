/**
 * Makes the kernel kill a child process when the local cloud dies, however it dies.
 *
 * An execution environment spends most of its life stopped with SIGSTOP (Lambda's freeze), in
 * its own session so that a timeout can kill everything it started. A stopped process runs no
 * JavaScript, so a watch inside it (a pipe that closes, as the fargate tasks use) cannot act
 * until it is thawed, and a terminal's Ctrl-C never reaches it. If the local cloud is killed
 * before it can SIGKILL its environments (a wrapper such as tsx sends SIGKILL to a child that
 * does not answer its signal relay within 60 ms; a second Ctrl-C; `kill -9`), they would stay
 * frozen forever. Linux's parent-death signal (prctl PR_SET_PDEATHSIG) is delivered by the
 * kernel, and SIGKILL ends a stopped process too. Node cannot call prctl, so the child is
 * started through util-linux's `setpriv --pdeathsig KILL`, which sets it and then execs the
 * real command (same pid; the setting survives exec).
 *
 * It covers the direct child only: a process the function itself started is killed with the
 * environment's group on every orderly stop, and by the next start's sweep (leftovers.ts)
 * otherwise. Without setpriv (not Linux, or util-linux missing) the command runs as given.
 */
import { accessSync, constants } from 'node:fs';

/** Where util-linux installs setpriv on Debian and most distributions. */
const SETPRIV_PATHS = ['/usr/bin/setpriv', '/bin/setpriv'];

let found: string | null | undefined;

/** The setpriv binary, or undefined where there is none. Looked up once. */
export function setprivPath(): string | undefined {
  if (found === undefined) {
    found =
      SETPRIV_PATHS.find((candidate) => {
        try {
          accessSync(candidate, constants.X_OK);
          return true;
        } catch {
          return false;
        }
      }) ?? null;
  }
  return found ?? undefined;
}

/** A command line to hand to `spawn`. */
export interface Command {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * Wraps a command so the kernel SIGKILLs it when the process that spawns it dies (`setpriv`:
 * the binary to use, false for none; found on this machine by default). Spawn the result from
 * the main thread: the signal follows the thread that forked.
 *
 * @example
 * ```ts
 * const { command, args } = killedWithParent({ command: process.execPath, args: ['bootstrap.cjs'] });
 * spawn(command, args, { detached: true });
 * ```
 */
export function killedWithParent(
  inner: Command,
  setpriv: string | false = setprivPath() ?? false,
): Command {
  if (setpriv === false) return inner;
  return { command: setpriv, args: ['--pdeathsig', 'KILL', '--', inner.command, ...inner.args] };
}
