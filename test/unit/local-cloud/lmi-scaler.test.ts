import { CpuScaler } from '../../../local-cloud/lmi-scaler';

const timing = { sampleMs: 100, scaleUpAfterMs: 300, scaleDownAfterMs: 1000 };

describe('lmi-scaler', () => {
  it('adds an environment only once CPU has stayed above target for the scale-up period', () => {
    const scaler = new CpuScaler(0.5, timing);

    const decisions = [0, 100, 200, 300].map((at) =>
      scaler.observe({ at, utilisation: 0.8, throttled: 0 }),
    );

    expect(decisions).toEqual(['hold', 'hold', 'hold', 'up']);
  });

  it('starts the period again when CPU dips below target', () => {
    const scaler = new CpuScaler(0.5, timing);

    scaler.observe({ at: 0, utilisation: 0.8, throttled: 0 });
    scaler.observe({ at: 200, utilisation: 0.4, throttled: 0 });
    const afterDip = scaler.observe({ at: 300, utilisation: 0.8, throttled: 0 });
    const later = scaler.observe({ at: 600, utilisation: 0.8, throttled: 0 });

    expect([afterDip, later]).toEqual(['hold', 'up']);
  });

  it('counts throttles as saturation even when CPU is low', () => {
    const scaler = new CpuScaler(0.5, timing);

    scaler.observe({ at: 0, utilisation: 0.1, throttled: 3 });

    expect(scaler.observe({ at: 300, utilisation: 0.1, throttled: 1 })).toBe('up');
  });

  it('gives one back after a long quiet period below half the target', () => {
    const scaler = new CpuScaler(0.5, timing);

    const early = scaler.observe({ at: 0, utilisation: 0.1, throttled: 0 });
    const middle = scaler.observe({ at: 500, utilisation: 0.3, throttled: 0 });
    const quiet = scaler.observe({ at: 1000, utilisation: 0.1, throttled: 0 });

    // 0.3 is not below half of 0.5: the quiet period restarts there.
    expect([early, middle, quiet]).toEqual(['hold', 'hold', 'hold']);
    expect(scaler.observe({ at: 2000, utilisation: 0.1, throttled: 0 })).toBe('down');
  });
});
