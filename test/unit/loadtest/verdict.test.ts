import { type VerdictInput, verdict } from '../../../loadtest/verdict';

const input: VerdictInput = {
  where: 'local',
  requestsPerMonth: 2_000_000,
  image: { name: 'phone photo', bytes: 3_300_000, width: 4000, height: 3000, kind: 'phone' },
  coldStarts: [
    { variant: 'lambda-zip', starts: 5, allCold: true, cold: { median: 420, min: 400, max: 480 } },
    {
      variant: 'lambda-image',
      starts: 5,
      allCold: true,
      cold: { median: 510, min: 490, max: 600 },
    },
    { variant: 'fargate', starts: 5, allCold: false, cold: { median: 90, min: 85, max: 99 } },
  ],
  warm: [
    { variant: 'lambda-zip', warmP50: 95 },
    { variant: 'lambda-image', warmP50: 96 },
    { variant: 'fargate', warmP50: 88 },
  ],
  cost: [
    {
      variant: 'lambda-zip',
      monthlyUsd: 12.5,
      fargateBreakEven: {
        requestsPerMonth: 9_000_000,
        between: [6_309_573, 10_000_000],
        lambda: 'lambda-zip',
        reason: 'Fargate is cheaper from 9,000,000 requests a month',
      },
    },
    { variant: 'fargate', monthlyUsd: 30.1, fargateBreakEven: null },
  ],
};

describe('verdict', () => {
  const v = verdict(input);

  it('names the fastest first request, the fastest warm one and the cheapest', () => {
    // fargate's first request is a running task's: fastest, and said to be so.
    expect(v.firstRequest).toEqual({ variant: 'fargate', ms: 90 });
    expect(v.thousandth).toEqual({ variant: 'fargate', ms: 88 });
    expect(v.cheapest).toEqual({ variant: 'lambda-zip', monthlyUsd: 12.5 });
  });

  it('says it in sentences for the workload given, with the others for comparison', () => {
    expect(v.lines).toEqual([
      "For 2,000,000 requests a month of phone photo, 4000×3000, 3,300,000 bytes, measured on this machine's local cloud:",
      'First request (after a quiet spell): fargate answers fastest (a task its service keeps running, not a cold start), 90 ms median of 5 single starts (85 ms–99 ms) (lambda-zip 420 ms, lambda-image 510 ms).',
      'Thousandth request (warm): fargate answers fastest, 88 ms p50 (lambda-zip 95 ms, lambda-image 96 ms).',
      'Cheapest at 2,000,000 requests a month: lambda-zip, $12.50 a month (fargate $30.10), each priced with its own measured duration.',
      'Break-even against lambda-zip: Fargate is cheaper from 9,000,000 requests a month.',
    ]);
  });

  it('marks a first request that was not a cold start', () => {
    const noFargate = verdict({
      ...input,
      coldStarts: input.coldStarts.slice(0, 1).concat(input.coldStarts.slice(2)),
    });
    expect(noFargate.lines[1]).toContain('(lambda-zip 420 ms)');
    const lambdaFirst = verdict({
      ...input,
      coldStarts: [input.coldStarts[2], input.coldStarts[0]].flatMap((c) =>
        c ? [{ ...c, cold: { ...c.cold, median: c.variant === 'fargate' ? 900 : 420 } }] : [],
      ),
    });
    expect(lambdaFirst.lines[1]).toContain('(fargate 900 ms from a running task)');
  });

  it('says what is missing rather than guessing', () => {
    const empty = verdict({ ...input, coldStarts: [], warm: [], cost: [] });
    expect(empty.firstRequest).toBeNull();
    expect(empty.lines.slice(1)).toEqual([
      'First request: not measured (needs the cold scenario).',
      'Thousandth request: not measured (needs the cold or steady scenario).',
      'Cheapest: not priced (needs a measured warm duration).',
    ]);
  });
});
