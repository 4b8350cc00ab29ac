/**
 * Runs one planned command (scripts/lib/deploy-plan.ts) the way deploy.ts and destroy.ts both
 * do: with the stack's outputs filled in, the plan's variables added to the environment, its
 * standard input written when it has one, and the terminal for everything else.
 */
import { spawnSync } from 'node:child_process';
import type { Output } from '@aws-sdk/client-cloudformation';
import { type PlannedCommand, resolveArgs } from './eks-steps';

/**
 * Runs `step` in `cwd`; answers its exit status (1 when it could not start, or was killed).
 *
 * @example
 * ```ts
 * const status = runStep({ command: 'kubectl', args: ['apply', '-f', '-'], env: {}, stdin: yaml }, {}, ROOT);
 * ```
 * @throws when the step needs a stack output that `outputs` lacks.
 */
export function runStep(
  step: PlannedCommand,
  outputs: Readonly<Record<string, string>>,
  cwd: string,
): { status: number; detail: string } {
  const run = spawnSync(step.command, resolveArgs(step, outputs), {
    cwd,
    stdio: [step.stdin === undefined ? 'inherit' : 'pipe', 'inherit', 'inherit'],
    ...(step.stdin === undefined ? {} : { input: step.stdin }),
    env: { ...process.env, ...step.env },
  });
  const status = run.status ?? 1;
  return { status, detail: String(run.status ?? run.signal ?? run.error?.message) };
}

/**
 * A stack's outputs by key.
 *
 * @example
 * ```ts
 * outputMap([{ OutputKey: 'ClusterName', OutputValue: 'cartoon-compute-dev-eks' }]); // { ClusterName: 'cartoon-compute-dev-eks' }
 * ```
 */
export function outputMap(outputs: readonly Output[] | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const { OutputKey, OutputValue } of outputs ?? []) {
    if (OutputKey !== undefined && OutputValue !== undefined) map[OutputKey] = OutputValue;
  }
  return map;
}
