// How many threads one image gets in a Lambda environment: from its CPU share, not the CPU count.
import { readLambdaRuntime, sharpThreads } from '../../services/shared/lambda';

describe('sharpThreads', () => {
  it('gives one thread at one vCPU (1,769 MB), where the helper thread would only compete', () => {
    expect(sharpThreads(readLambdaRuntime({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1769' }), 2)).toBe(1);
    expect(sharpThreads(readLambdaRuntime({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024' }), 2)).toBe(1);
  });

  it('gives two from two vCPUs, never more than the CPUs shown', () => {
    expect(sharpThreads(readLambdaRuntime({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '3538' }), 2)).toBe(2);
    expect(sharpThreads(readLambdaRuntime({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '10240' }), 4)).toBe(
      4,
    );
  });

  it('gives one under Lambda Managed Instances, whatever the memory', () => {
    const runtime = readLambdaRuntime({
      AWS_LAMBDA_MAX_CONCURRENCY: '2',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '4096',
    });

    expect(sharpThreads(runtime, 2)).toBe(1);
  });

  it('uses the CPUs shown outside Lambda, and names a bad memory variable', () => {
    expect(sharpThreads(readLambdaRuntime({}), 3)).toBe(3);
    expect(() => readLambdaRuntime({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: 'lots' })).toThrow(
      /AWS_LAMBDA_FUNCTION_MEMORY_SIZE/,
    );
  });
});
