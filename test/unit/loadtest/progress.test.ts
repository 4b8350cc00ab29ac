import { Progress, progressLine } from '../../../loadtest/progress';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, sink: { isTTY, write: (t: string) => writes.push(t) } };
}

describe('progressLine', () => {
  it('shows scenario, phase, elapsed seconds and requests', () => {
    expect(progressLine('steady', 'lambda-zip steady 5/s', 12_345, 61)).toBe(
      'steady | lambda-zip steady 5/s | 12.3 s | 61 requests',
    );
  });
});

describe('Progress', () => {
  it('writes one plain line per phase change when not on a TTY', () => {
    const { writes, sink: s } = sink(false);
    let now = 0;
    const p = new Progress(s, () => now);
    p.update('cold', 'lambda-zip burst', 0);
    now = 500;
    p.update('cold', 'lambda-zip burst', 2);
    p.update('cold', 'lambda-zip warm', 1);
    p.done();
    expect(writes).toEqual([
      'cold | lambda-zip burst | 0.0 s | 0 requests\n',
      'cold | lambda-zip warm | 0.0 s | 1 requests\n',
    ]);
  });

  it('rewrites one line in place on a TTY, at most every 100 ms, and ends it', () => {
    const { writes, sink: s } = sink(true);
    let now = 0;
    const p = new Progress(s, () => now);
    p.update('steady', 'a', 0);
    now = 50;
    p.update('steady', 'a', 1); // too soon: skipped
    now = 1_200;
    p.update('steady', 'a', 7);
    p.done();
    expect(writes).toEqual([
      '\r\x1b[2Ksteady | a | 0.0 s | 0 requests',
      '\r\x1b[2Ksteady | a | 1.2 s | 7 requests',
      '\n',
    ]);
  });
});
