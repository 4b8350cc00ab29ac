import {
  environmentShape,
  readManagedInstancesSettings,
} from '../../infra/lib/managed-instances-settings';

const read = (context: Record<string, unknown> = {}) =>
  readManagedInstancesSettings((key) => context[key]);

describe('readManagedInstancesSettings', () => {
  test('by default: one vCPU of 2 GiB per environment, two invocations at once, one worker', () => {
    const settings = read();

    expect(environmentShape(settings)).toEqual({ memoryMb: 2048, maxConcurrency: 2, workers: 1 });
    expect(settings).toMatchObject({
      maxVCpuCount: 12,
      cpuTargetPercent: 50,
      minEnvironments: 3,
      apiMaxEnvironments: 8,
      queueMaxEnvironments: 4,
      // lambda-image's, shared with it.
      apiTimeout: 29,
      queueTimeout: 60,
      batchSize: 5,
    });
    expect(settings.instanceTypes.every((type) => /^[cm]7g\./.test(type))).toBe(true);
  });

  test('sizes scale with the environment’s vCPUs', () => {
    const shape = environmentShape(
      read({
        lmiEnvironmentVCpus: '4',
        lmiMemoryGiBPerVCpu: '2.5',
        lmiConcurrencyPerVCpu: '3',
        lmiWorkersPerVCpu: '2',
        lmiMaxVCpuCount: '48',
      }),
    );

    expect(shape).toEqual({ memoryMb: 10240, maxConcurrency: 12, workers: 8 });
  });

  test.each([
    [{ lmiMemoryGiBPerVCpu: '1.5' }, /lmiMemoryGiBPerVCpu must be a number between 2 and 8/],
    [{ lmiMaxVCpuCount: '8' }, /lmiMaxVCpuCount must be an integer between 12 and 15000/],
    [
      { lmiInstanceTypes: 'c7i.large' },
      /Graviton \(arm64\) instance types like c7g\.large; got 'c7i\.large'/,
    ],
    [
      { lmiApiMaxEnvironments: '2' },
      /lmiApiMaxEnvironments \(2\) must be at least lmiMinEnvironments \(3\)/,
    ],
    [{ lmiEnvironmentVCpus: '2' }, /lmiMaxVCpuCount \(12\) is below the 24 vCPUs/],
    [{ lmiCpuTargetPercent: '100' }, /lmiCpuTargetPercent must be an integer between 10 and 95/],
  ])('refuses %j with a message naming the key', (context, message) => {
    expect(() => read(context)).toThrow(message);
  });

  test('takes other Graviton types', () => {
    expect(read({ lmiInstanceTypes: 'c8g.large, r7gd.xlarge' }).instanceTypes).toEqual([
      'c8g.large',
      'r7gd.xlarge',
    ]);
  });
});
