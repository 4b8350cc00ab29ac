import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  allowedCpus,
  applyCpuSplit,
  onCpus,
  parseCpuList,
  planCpuSplit,
} from '../../../loadtest/node/cpu-split';

describe('parseCpuList', () => {
  it('reads ranges and single CPUs as the kernel writes them', () => {
    expect(parseCpuList('0-2,5\n')).toEqual([0, 1, 2, 5]);
    expect(parseCpuList('3')).toEqual([3]);
    expect(parseCpuList('')).toEqual([]);
  });
});

describe('allowedCpus', () => {
  it("reads this process's affinity from a status file", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cpus-'));
    const file = path.join(dir, 'status');
    writeFileSync(file, 'Name:\tnode\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\n');
    expect(allowedCpus(file)).toEqual([0, 1]);
    expect(allowedCpus(path.join(dir, 'missing'))).toBeUndefined();
  });
});

describe('planCpuSplit', () => {
  it('gives the load generator the last CPU and the cloud the rest on two or more', () => {
    expect(planCpuSplit([0, 1], true)).toEqual({
      cloud: [0],
      load: [1],
      pinned: true,
      note: 'load generator on CPU 1; the load test, its local cloud and bare cartoonize() on CPU 0',
    });
    expect(planCpuSplit([0, 1, 2, 3], true)).toMatchObject({ cloud: [0, 1, 2], load: [3] });
  });

  it('shares one CPU and says so', () => {
    const one = planCpuSplit([0], true);
    expect(one).toMatchObject({ cloud: [0], load: [0], pinned: false });
    expect(one.note).toBe(
      'shared: only CPU 0 here, so the load generator competes with the cloud it measures',
    );
  });

  it('shares every CPU when pinning is off', () => {
    expect(planCpuSplit([0, 1], false).note).toBe(
      'not split (--pin off): the load generator and the cloud share CPUs 0,1',
    );
  });
});

describe('onCpus', () => {
  it('starts a command through taskset when pinned, as it is otherwise', () => {
    expect(onCpus([1], true, 'node', ['w.js'])).toEqual(['taskset', ['-c', '1', 'node', 'w.js']]);
    expect(onCpus([1], false, 'node', ['w.js'])).toEqual(['node', ['w.js']]);
  });
});

describe('applyCpuSplit', () => {
  it('answers the plan unchanged when nothing is to be pinned', () => {
    const plan = planCpuSplit([0], true);
    expect(applyCpuSplit(plan)).toBe(plan);
  });

  it('falls back to sharing, with the reason, when taskset changes nothing', () => {
    // No process has pid 2^22 + 1 (above Linux's pid_max limit): nothing to pin.
    const applied = applyCpuSplit(planCpuSplit([0, 1], true), 4_194_305);
    expect(applied).toMatchObject({ cloud: [0, 1], load: [0, 1], pinned: false });
    expect(applied.note).toMatch(/^shared \((taskset did not apply|taskset failed|no taskset)\)/);
  });

  it('pins a live process (every thread) to the cloud CPUs, as read back from /proc', async () => {
    // On one CPU the plan shares it and there is nothing to pin: the plan comes back as it is.
    const plan = planCpuSplit(allowedCpus() ?? [0], true);
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const applied = applyCpuSplit(plan, child.pid);
      expect(applied).toBe(plan);
      if (plan.pinned) expect(allowedCpus(`/proc/${child.pid}/status`)).toEqual(plan.cloud);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
