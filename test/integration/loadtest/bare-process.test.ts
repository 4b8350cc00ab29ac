// bare cartoonize() in a process of its own, within one API environment's CPU allowance: a
// cpu-limit group where cgroups are writable (checked through the group's own files), and
// said so where they are not.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bareInOwnProcess } from '../../../loadtest/node/bare-process';
import { testImage } from '../../../loadtest/node/test-image';
import { lambdaVcpus, openCpuLimits } from '../../../local-cloud/cpu-limit';

describe('bareInOwnProcess', () => {
  it('times cartoonize() in a child process and says what CPU it had', async () => {
    const limits = openCpuLimits();
    try {
      const image = await testImage('small', 160);
      const bare = await bareInOwnProcess(
        image.bytes,
        { style: 'classic', maxSide: '160' },
        3,
        { limits, memoryMb: 1769, cpus: [0] },
        2,
      );
      expect(bare.durationsMs).toHaveLength(3);
      expect(bare.durationsMs.every((d) => d > 0)).toBe(true);
      expect(bare.throughputPerS).toBeGreaterThan(0);
      expect(bare.run).toBe(2);
      // The transport's copies of the same request and answer, timed as often.
      expect(bare.payloadCopiesMs).toHaveLength(3);
      expect(bare.cpu).toBe(
        limits.mechanism === 'none'
          ? `own process, no CPU quota (${limits.note}), CPU 0`
          : `own process, 1.00 vCPU (${limits.mechanism} quota for 1769 MB, as one API environment), CPU 0`,
      );
    } finally {
      limits.close();
    }
  }, 60_000);

  it('enters the group before cartoonize() runs: the quota is the API memory share', async () => {
    // A fake cgroup v1 tree: the group's quota file and its procs file, as the kernel's would be.
    const mount = mkdtempSync(path.join(tmpdir(), 'cgroup-'));
    mkdirSync(path.join(mount, 'cpu'));
    writeFileSync(path.join(mount, 'cpu', 'cpu.cfs_quota_us'), '-1');
    const limits = openCpuLimits({ mountPoint: mount });
    try {
      expect(limits.mechanism).toBe('cgroup-v1');
      const image = await testImage('small', 96);
      const bare = await bareInOwnProcess(image.bytes, { style: 'classic', maxSide: '96' }, 1, {
        limits,
        memoryMb: 1024,
        cpus: [0],
      });
      expect(bare.cpu).toContain(
        `${lambdaVcpus(1024).toFixed(2)} vCPU (cgroup-v1 quota for 1024 MB`,
      );
      // The group is removed after the run, but a fake tree keeps the files rmdir cannot take.
      const group = path.join(
        mount,
        'cpu',
        `cartoon-compute-${process.pid}`,
        `loadtest-bare-${process.pid}-1`,
      );
      expect(readFileSync(path.join(group, 'cpu.cfs_quota_us'), 'utf8')).toBe(
        String(Math.round(lambdaVcpus(1024) * 100_000)),
      );
      expect(Number(readFileSync(path.join(group, 'cgroup.procs'), 'utf8'))).toBeGreaterThan(0);
    } finally {
      limits.close();
      rmSync(mount, { recursive: true, force: true });
    }
  }, 60_000);
});
