// CPU limits on real processes: a busy loop started in a group of a fifth of a vCPU must get
// no more than that, measured by the kernel's own CPU accounting (/proc/<pid>/stat).
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lambdaVcpus, openCpuLimits } from '../../../local-cloud/cpu-limit';
import { ExecutionEnvironment } from '../../../local-cloud/environment';
import { fixtureEnvironment } from '../../support/fixture-functions';
import { sleep } from '../../support/poll';

const TICKS_PER_S = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

/** Whether this machine lets us make cgroups (root with v1 `cpu`, or a writable v2 root). */
function cgroupsWritable(): boolean {
  for (const file of ['/sys/fs/cgroup/cpu/cgroup.procs', '/sys/fs/cgroup/cgroup.subtree_control']) {
    try {
      accessSync(file, constants.W_OK);
      return true;
    } catch {
      // try the other
    }
  }
  return false;
}

/** The folder of a /proc/<pid>/cgroup line's group (v1 `N:cpu,…:/path` or v2 `0::/path`). */
function cgroupDir(line: string): string {
  const groupPath = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
  return existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')
    ? `/sys/fs/cgroup/cpu${groupPath}`
    : `/sys/fs/cgroup${groupPath}`;
}

/** The group's quota in µs per 100 ms period, from either cgroup version's file. */
function quotaOf(dir: string): number {
  if (existsSync(`${dir}/cpu.cfs_quota_us`)) {
    return Number(readFileSync(`${dir}/cpu.cfs_quota_us`, 'utf8'));
  }
  return Number(readFileSync(`${dir}/cpu.max`, 'utf8').split(' ')[0]);
}

describe('lambdaVcpus', () => {
  it('gives one vCPU at 1,769 MB, in proportion below and above', () => {
    expect(lambdaVcpus(1769)).toBe(1);
    expect(lambdaVcpus(1024)).toBeCloseTo(0.579, 3);
    expect(lambdaVcpus(10240)).toBeCloseTo(5.79, 2);
  });
});

describe('openCpuLimits', () => {
  it('says why nothing is limited where there is no cgroup file system', () => {
    const mountPoint = mkdtempSync(join(tmpdir(), 'no-cgroups-'));

    const limits = openCpuLimits({ mountPoint });

    expect(limits.mechanism).toBe('none');
    expect(limits.note).toBe('CPU not limited: no cgroup v2 hierarchy; no cgroup v1 cpu hierarchy');
    expect(limits.group('env', 1)).toBeUndefined();
  });

  if (cgroupsWritable()) {
    it('holds a busy process to its share, from its first instruction', async () => {
      const limits = openCpuLimits();
      const group = limits.group('busy', 0.2);
      if (group === undefined) throw new Error(`no group: ${limits.note}`);
      const [command, args] = group.wrap(process.execPath, ['-e', 'for(;;){}']);

      const child = spawn(command, args, { stdio: 'ignore' });
      try {
        await sleep(300);
        const before = cpuSeconds(child.pid as number);
        const started = performance.now();
        await sleep(1500);
        const used = cpuSeconds(child.pid as number) - before;
        const wallS = (performance.now() - started) / 1000;

        const cgroup = readFileSync(`/proc/${child.pid}/cgroup`, 'utf8');
        expect(cgroup).toContain(`cartoon-compute-${process.pid}/busy`);
        expect(used / wallS).toBeLessThan(0.3);
        expect(limits.mechanism).not.toBe('none');
      } finally {
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
        group.remove();
        limits.close();
      }
    });

    it("holds a Lambda environment to its memory's share, and removes its group when it dies", async () => {
      const limits = openCpuLimits();
      const env = ExecutionEnvironment.start({
        ...fixtureEnvironment('hello', [], { memoryMb: 354, cpu: limits }),
        initializationType: 'on-demand',
      });
      try {
        await env.whenReady();
        const group = readFileSync(`/proc/${env.pid}/cgroup`, 'utf8')
          .split('\n')
          .find((line) => line.includes(`cartoon-compute-${process.pid}/env-`));
        expect(group).toBeDefined();
        const dir = cgroupDir(group as string);
        // 354 MB of 1,769 per vCPU: a fifth of a vCPU, per 100 ms period.
        expect(quotaOf(dir)).toBe(Math.round((354 / 1769) * 100_000));

        env.kill();
        await env.exited();
        await sleep(100);

        expect(existsSync(dir)).toBe(false);
      } finally {
        env.kill();
        limits.close();
      }
    });

    it('removes the groups of a run that died without removing them', () => {
      const root = existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')
        ? '/sys/fs/cgroup/cpu'
        : '/sys/fs/cgroup';
      const dead = join(root, 'cartoon-compute-999999999');
      mkdirSync(join(dead, 'env-left'), { recursive: true });

      const limits = openCpuLimits();
      limits.close();

      expect(existsSync(dead)).toBe(false);
      expect(existsSync(join(root, `cartoon-compute-${process.pid}`))).toBe(false);
    });
  } else {
    it('falls back to no limit, with the reason, where cgroups are not writable', () => {
      const limits = openCpuLimits();

      expect(limits.mechanism).toBe('none');
      expect(limits.note).toMatch(/^CPU not limited: /);
    });
  }
});
