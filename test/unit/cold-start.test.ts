import { coldStartFlag } from '../../services/shared/cold-start';

describe('coldStartFlag', () => {
  test('the first invocation of an environment is cold, every later one warm', () => {
    const take = coldStartFlag(false);

    expect([take(), take(), take()]).toEqual([true, false, false]);
  });

  test('two invocations that start before either answers: only the first says cold', async () => {
    const take = coldStartFlag(false);
    const invocation = async () => {
      const cold = take();
      await new Promise((resolve) => setTimeout(resolve, 5));
      return cold;
    };

    expect(await Promise.all([invocation(), invocation()])).toEqual([true, false]);
  });

  test('under Lambda Managed Instances no invocation is a cold start', () => {
    const take = coldStartFlag(true);

    expect([take(), take()]).toEqual([false, false]);
  });

  test('each environment has its own flag', () => {
    const one = coldStartFlag(false);
    one();

    expect(coldStartFlag(false)()).toBe(true);
  });
});
