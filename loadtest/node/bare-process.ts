/**
 * bare cartoonize() in a process of its own with the CPU one environment of the API function
 * would have: a cpu-limit group of lambdaVcpus(the API's memory), on the cloud's CPUs (the
 * load test process's affinity, which children inherit). Then warm POST /cartoon over bare
 * compares like with like: the same CPU allowance, only the transport and Lambda between.
 */
import path from 'node:path';
import { type CpuLimits, lambdaVcpus } from '../../local-cloud/cpu-limit';
import type { BareResult } from '../results';
import { startWorker } from './worker-process';

export interface BareAllowance {
  readonly limits: CpuLimits;
  /** The API function's memory size, whose share of a vCPU the yardstick gets. */
  readonly memoryMb: number;
  /** The CPUs the process runs on (said in the report). */
  readonly cpus: readonly number[];
}

/**
 * Times cartoonize() in a child process within `allowance`.
 *
 * @example
 * ```ts
 * const bare = await bareInOwnProcess(image, { style: 'classic', maxSide: '1024' }, 10,
 *   { limits: openCpuLimits(), memoryMb: 1769, cpus: [0] });
 * bare.cpu; // 'own process, 1.00 vCPU (cgroup-v1 quota for 1769 MB), CPU 0'
 * ```
 */
export async function bareInOwnProcess(
  image: Buffer,
  options: Record<string, string>,
  iterations: number,
  allowance: BareAllowance,
  run = 1,
): Promise<BareResult> {
  const vcpus = lambdaVcpus(allowance.memoryMb);
  const group = allowance.limits.group(`loadtest-bare-${process.pid}-${run}`, vcpus);
  const where = `CPU${allowance.cpus.length > 1 ? 's' : ''} ${allowance.cpus.join(',')}`;
  const cpu = group
    ? `own process, ${vcpus.toFixed(2)} vCPU (${allowance.limits.mechanism} quota for ${allowance.memoryMb} MB, as one API environment), ${where}`
    : `own process, no CPU quota (${allowance.limits.note}), ${where}`;
  const worker = startWorker(
    path.join(__dirname, 'bare-worker.ts'),
    group ? (command, args) => group.wrap(command, args) : undefined,
  );
  try {
    const result = await worker.call<BareResult>({ image, options, iterations });
    return { ...result, run, cpu };
  } finally {
    await worker.close();
    group?.remove();
  }
}
