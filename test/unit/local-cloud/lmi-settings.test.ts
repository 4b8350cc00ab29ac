import { lmiSettings } from '../../../local-cloud/lmi-settings';
import type { CapacityProviderSpec } from '../../../local-cloud/topology';

const provider: CapacityProviderSpec = {
  logicalId: 'Provider',
  arn: 'arn:aws:lambda:us-east-1:000000000000:capacity-provider:p',
  architectures: ['arm64'],
  allowedInstanceTypes: [],
};

const fn = (
  memoryMb: number,
  managedInstances: Parameters<typeof lmiSettings>[0]['managedInstances'],
  environment: Record<string, string> = {},
) => ({ name: 'api', memoryMb, environment, managedInstances });

describe('lmi-settings', () => {
  it("gives an environment its memory's vCPUs and Node's 64 invocations per vCPU by default", () => {
    const s = lmiSettings(fn(4096, { capacityProviderArn: provider.arn }), provider);

    expect(s.vcpus).toBe(2);
    expect(s.maxConcurrency).toBe(128);
    expect(s.cpuTarget).toBe(0.5);
  });

  it('follows the template: memory per vCPU, max concurrency, min and max environments', () => {
    const s = lmiSettings(
      fn(8192, {
        capacityProviderArn: provider.arn,
        memoryGiBPerVcpu: 4,
        perEnvironmentMaxConcurrency: 3,
        minEnvironments: 1,
        maxEnvironments: 6,
      }),
      { ...provider, cpuTargetPercent: 70 },
    );

    expect(s).toMatchObject({
      vcpus: 2,
      maxConcurrency: 3,
      minEnvironments: 1,
      maxEnvironments: 6,
    });
    expect(s.cpuTarget).toBeCloseTo(0.7);
  });

  it('starts one worker per vCPU and one environment locally, and says so; AWS scale on request', () => {
    const mi = { capacityProviderArn: provider.arn };

    const local = lmiSettings(fn(4096, mi), provider);
    const aws = lmiSettings(fn(4096, mi), provider, { scale: 'aws' });

    expect([local.workers, local.minEnvironments]).toEqual([2, 1]);
    expect(local.notes.join('\n')).toMatch(/2 runtime worker thread\(s\).*AWS: 8 × vCPUs = 16/);
    expect(local.notes.join('\n')).toMatch(/1 pre-started environment\(s\) \(deployed: 3/);
    expect([aws.workers, aws.minEnvironments]).toEqual([16, 3]);
    expect(aws.notes).toEqual([]);
  });

  it("keeps the template's own worker count, and the provider's vCPU ceiling", () => {
    const s = lmiSettings(
      fn(
        4096,
        { capacityProviderArn: provider.arn, minEnvironments: 1 },
        {
          AWS_LAMBDA_NODEJS_WORKER_COUNT: '3',
        },
      ),
      { ...provider, maxVcpuCount: 6 },
      { maxEnvironments: 10 },
    );

    expect(s.workers).toBe(3);
    // 6 vCPUs hold three 2-vCPU environments.
    expect(s.maxEnvironments).toBe(3);
  });
});
