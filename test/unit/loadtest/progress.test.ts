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
  it('writes each phase when it ends, with its final time and count, when not on a TTY', () => {
    const { writes, sink: s } = sink(false);
    let now = 0;
    const p = new Progress(s, () => now, 0);
    p.update('cold', 'lambda-zip burst', 0);
    now = 500;
    p.update('cold', 'lambda-zip burst', 2);
    now = 1_700;
    p.update('cold', 'lambda-zip burst', 3);
    p.update('cold', 'lambda-zip warm', 1);
    now = 2_000;
    p.update('cold', 'lambda-zip warm', 2);
    p.done();
    expect(writes).toEqual([
      'cold | lambda-zip burst | 1.7 s | 3 requests\n',
      'cold | lambda-zip warm | 0.3 s | 2 requests\n',
    ]);
  });

  it('prints a running phase every period when not on a TTY, and again at its end', () => {
    const { writes, sink: s } = sink(false);
    let now = 0;
    const p = new Progress(s, () => now, 10_000);
    p.update('steady', 'lambda-zip steady 5/s', 0);
    now = 9_000;
    p.update('steady', 'lambda-zip steady 5/s', 45); // under a period: nothing yet
    now = 10_500;
    p.tick(); // no answer came, the timer prints anyway
    now = 12_000;
    p.update('steady', 'lambda-zip steady 5/s', 60);
    p.done();
    expect(writes).toEqual([
      'steady | lambda-zip steady 5/s | 10.5 s | 45 requests\n',
      'steady | lambda-zip steady 5/s | 12.0 s | 60 requests\n',
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

  it('writes nothing at the end of a run that never began', () => {
    const { writes, sink: s } = sink(false);
    new Progress(s, () => 0).done();
    expect(writes).toEqual([]);
  });
});
