import { onDemand, s3OnDemand } from '../../services/shared/on-demand';

interface Greeter {
  greet(name: string): Promise<string>;
  count(): Promise<number>;
}

describe('onDemand', () => {
  it('loads nothing until a method is called, then loads once and forwards the arguments', async () => {
    // Arrange
    let loads = 0;
    const greeter = onDemand<Greeter>(
      () => {
        loads += 1;
        return { greet: async (name) => `hello ${name}`, count: async () => loads };
      },
      { greet: true, count: true },
    );
    expect(loads).toBe(0);

    // Act
    const greetings = await Promise.all([greeter.greet('ada'), greeter.greet('alan')]);
    const counted = await greeter.count();

    // Assert
    expect(greetings).toEqual(['hello ada', 'hello alan']);
    expect(counted).toBe(1);
    expect(loads).toBe(1);
  });

  it('rejects the call whose load failed and loads again on the next call', async () => {
    let loads = 0;
    const greeter = onDemand<Greeter>(
      () => {
        loads += 1;
        if (loads === 1) throw new Error('module missing');
        return { greet: async (name) => `hi ${name}`, count: async () => loads };
      },
      { greet: true, count: true },
    );

    await expect(greeter.greet('ada')).rejects.toThrow('module missing');
    await expect(greeter.greet('ada')).resolves.toBe('hi ada');
    expect(loads).toBe(2);
  });
});

describe('s3OnDemand', () => {
  it('loads the real store when a route first uses it, and forwards the call to it', async () => {
    // Nothing listens on port 9: creating the stand-ins must not connect or throw.
    const { store } = s3OnDemand({
      variant: 'lambda-zip',
      version: 'test',
      bucket: 'bucket',
      region: 'eu-west-1',
      s3Endpoint: 'http://127.0.0.1:9',
      limits: { maxBytes: 1, maxPixels: 1 },
      maxSyncBytes: 1,
      maxUploadBytes: 1,
      urlTtlSeconds: 1,
      s3MaxSide: 16,
      processMaxAttempts: 1,
      processRetryWindowSeconds: 1,
    });

    // A bad key is refused by the real store, which is loaded now: proof the call reached it.
    await expect(store.get('uploads/../x')).rejects.toThrow(/'\.\.' segment/);
  });
});
