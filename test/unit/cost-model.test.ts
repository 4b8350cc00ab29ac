import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  albLcus,
  type FargateOptions,
  fargateCost,
  fargateTaskCount,
  httpApiMeteredRequests,
  type LineItem,
  lambdaCost,
  managedInstancesCost,
  tieredCost,
  type VariantCost,
  variantCosts,
  type Workload,
  workload,
} from '../../loadtest/cost-model';
import { breakEven, breakEvenScenarios, costCurve, costReport } from '../../loadtest/cost-report';
import { PRICES, pricesFor } from '../../loadtest/prices';

const US_EAST_1 = pricesFor('us-east-1');

/** 1,000,000 images of 500 ms on a 1,024 MB (1 GB) arm64 function, 100 KB in, 150 KB out. */
function oneGb(
  overrides: Partial<Omit<Workload, 'fargate'>> & { fargate?: Partial<FargateOptions> } = {},
): Workload {
  return workload({
    requestsPerMonth: 1_000_000,
    durationMs: 500,
    memoryMb: 1024,
    arch: 'arm64',
    payloadKb: 100,
    ...overrides,
  });
}

function lines(cost: VariantCost, category: LineItem['category'], startsWith = ''): LineItem[] {
  return cost.lines.filter((l) => l.category === category && l.detail.startsWith(startsWith));
}

function usd(cost: VariantCost, category: LineItem['category'], startsWith = ''): number {
  return lines(cost, category, startsWith).reduce((sum, l) => sum + l.usd, 0);
}

describe('the price table', () => {
  test('every figure names its source and the date it was checked', () => {
    const figures: Array<{ source: string; checked: string; note: string }> = [];
    const walk = (value: unknown): void => {
      if (value && typeof value === 'object') {
        if ('source' in value && 'checked' in value && 'note' in value) {
          figures.push(value as { source: string; checked: string; note: string });
        }
        for (const child of Object.values(value)) walk(child);
      }
    };
    walk(PRICES);

    expect(figures.length).toBeGreaterThan(30);
    for (const figure of figures) {
      expect(figure.source).toMatch(/^https:\/\/(aws\.amazon\.com|docs\.aws\.amazon\.com)\//);
      expect(figure.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(figure.note.length).toBeGreaterThan(5);
    }
  });

  test('an unknown region is refused with the regions there are prices for', () => {
    expect(() => pricesFor('eu-west-1')).toThrow(
      'No prices for region eu-west-1; the table has us-east-1',
    );
  });

  test('the model and the table import nothing from node, so a browser can load them', () => {
    const dir = path.resolve(__dirname, '..', '..', 'loadtest');
    const sources = readdirSync(dir).filter((f) => f.endsWith('.ts'));

    expect(sources).toEqual(
      expect.arrayContaining(['cost-model.ts', 'cost-report.ts', 'prices.ts']),
    );
    for (const file of sources) {
      const text = readFileSync(path.join(dir, file), 'utf8');
      expect(text).not.toMatch(/from ['"]node:|require\(|process\./);
    }
  });
});

describe('Lambda duration', () => {
  test('is requests × seconds × GB at the first arm64 rate', () => {
    const w = oneGb({ memoryMb: 1769 });

    const cost = lambdaCost(w, 'lambda-zip');

    // 1,000,000 × 0.5 s × 1769/1024 GB = 863,769.53 GB-s × $0.0000133334 = $11.5170
    expect(usd(cost, 'compute', 'duration')).toBeCloseTo(11.51698, 4);
  });

  test('a volume that crosses the first arm64 tier pays the second rate above 7.5 billion GB-s', () => {
    const w = oneGb({ requestsPerMonth: 800_000_000, durationMs: 1000, memoryMb: 10_240 });

    const cost = lambdaCost(w, 'lambda-zip');

    // 800M × 1 s × 10 GB = 8e9 GB-s:
    // 7.5e9 × $0.0000133334 = $100,000.50, plus 0.5e9 × $0.0000120001 = $6,000.05 → $106,000.55
    expect(usd(cost, 'compute', 'duration')).toBeCloseTo(106_000.55, 2);
  });

  test('x86_64 tiers break at 6 billion GB-s', () => {
    // 6e9 × $0.0000166667 = $100,000.20, plus 1e9 × $0.000015 = $15,000 → $115,000.20
    expect(tieredCost(7e9, US_EAST_1.lambda.duration.x86_64)).toBeCloseTo(115_000.2, 2);
    // Inside the first tier nothing changes: 1,000 × $0.0000166667
    expect(tieredCost(1000, US_EAST_1.lambda.duration.x86_64)).toBeCloseTo(0.0166667, 7);
  });
});

describe('the Lambda free tier', () => {
  test('is left out unless asked for', () => {
    const cost = lambdaCost(oneGb(), 'lambda-zip');

    // 1,000,000 × 0.5 s × 1 GB = 500,000 GB-s × $0.0000133334 = $6.6667
    expect(usd(cost, 'compute', 'duration')).toBeCloseTo(6.6667, 4);
    // 1,000,000 × $0.20/M
    expect(usd(cost, 'requests')).toBeCloseTo(0.2, 6);
  });

  test('takes 400,000 GB-s and a million requests off when asked for', () => {
    const cost = lambdaCost(oneGb({ freeTier: true }), 'lambda-zip');

    // (500,000 − 400,000) GB-s × $0.0000133334 = $1.33334
    expect(usd(cost, 'compute', 'duration')).toBeCloseTo(1.33334, 5);
    // 1,000,000 − 1,000,000 free = 0 requests billed; the line is there and says why.
    expect(lines(cost, 'requests')).toEqual([
      {
        category: 'requests',
        usd: 0,
        detail: '1,000,000 invocations less 1,000,000 free × $0.20/M',
      },
    ]);
  });

  test('does not cover functions with provisioned concurrency', () => {
    const cost = lambdaCost(oneGb({ freeTier: true, provisioned: 1 }), 'lambda-zip');

    expect(usd(cost, 'requests')).toBeCloseTo(0.2, 6);
    expect(cost.notes.join(' ')).toContain('Free tier not applied');
  });
});

describe('INIT billing', () => {
  test.each(['lambda-zip', 'lambda-image'] as const)(
    '%s pays for the measured INIT of the cold share',
    (variant) => {
      const warm = lambdaCost(oneGb(), variant);
      const cold = lambdaCost(oneGb({ coldShare: 0.02, initMs: 1000 }), variant);

      // 1,000,000 × 0.02 cold × 1 s × 1 GB = 20,000 GB-s × $0.0000133334 = $0.266668
      expect(usd(cold, 'compute', 'INIT')).toBeCloseTo(0.266668, 6);
      expect(cold.monthlyUsd - warm.monthlyUsd).toBeCloseTo(0.266668, 6);
      expect(lines(warm, 'compute', 'INIT')).toHaveLength(0);
    },
  );
});

describe('provisioned concurrency', () => {
  test('is billed for every configured second, and its invocations at the lower duration rate', () => {
    const cost = lambdaCost(oneGb({ provisioned: 2 }), 'lambda-zip');

    // Average concurrency 500,000 s / 2,592,000 s = 0.19 < 2: every image runs provisioned.
    // 2 × 1 GB × 2,592,000 s = 5,184,000 GB-s × $0.0000033334 = $17.2803
    expect(usd(cost, 'compute', 'provisioned concurrency')).toBeCloseTo(17.2803456, 6);
    // 500,000 GB-s × $0.0000077778 = $3.8889
    expect(usd(cost, 'compute', 'duration on provisioned')).toBeCloseTo(3.8889, 6);
    // Nothing runs on demand: the on-demand duration line counts 0 images and comes to $0
    // (a sum over no line at all would be 0 too, so the line itself is checked).
    expect(lines(cost, 'compute', 'duration:')).toEqual([
      {
        category: 'compute',
        usd: 0,
        detail: expect.stringMatching(/^duration: 0 × 0\.5 s × 1 GB = 0 GB-s,/),
      },
    ]);
  });

  test('spills the traffic above its environments to on-demand', () => {
    // 10,368,000 × 0.5 s = 5,184,000 s over 2,592,000 s: average concurrency 2, one provisioned.
    const cost = lambdaCost(oneGb({ requestsPerMonth: 10_368_000, provisioned: 1 }), 'lambda-zip');

    // Half the images on each: 5,184,000 × 0.5 s × 1 GB = 2,592,000 GB-s each.
    // provisioned: 2,592,000 × $0.0000077778 = $20.1601; on-demand: × $0.0000133334 = $34.5602
    expect(usd(cost, 'compute', 'duration on provisioned')).toBeCloseTo(20.1600576, 5);
    expect(usd(cost, 'compute', 'duration:')).toBeCloseTo(34.5601728, 5);
  });
});

describe('HTTP API', () => {
  test.each([
    [0, 1],
    [100, 1],
    [512, 1],
    [600, 2],
    [1025, 3],
  ])('a %i KB request counts as %i (512 KB increments)', (kb, metered) => {
    expect(httpApiMeteredRequests(kb, US_EAST_1)).toBe(metered);
  });

  test('600 KB photos cost two requests each', () => {
    const cost = lambdaCost(oneGb({ payloadKb: 600 }), 'lambda-zip');

    // 1,000,000 × 2 metered × $1.00/M
    expect(usd(cost, 'front door')).toBeCloseTo(2, 6);
  });

  test('requests above 300 million a month cost $0.90/M', () => {
    const cost = lambdaCost(oneGb({ requestsPerMonth: 400_000_000 }), 'lambda-zip');

    // 300M × $1.00/M + 100M × $0.90/M = $390
    expect(usd(cost, 'front door')).toBeCloseTo(390, 4);
  });
});

describe('ALB LCUs', () => {
  const idle = {
    newConnectionsPerSecond: 0,
    activeConnectionsPerMinute: 0,
    processedGbPerHour: 0,
    ruleEvaluationsPerSecond: 0,
  };

  test('bill the largest dimension, not the sum', () => {
    // 50/25 = 2 new-connection LCUs; 3,000/3,000 = 1 active; 1/1 = 1 processed; 0 rules
    const result = albLcus(
      {
        ...idle,
        newConnectionsPerSecond: 50,
        activeConnectionsPerMinute: 3000,
        processedGbPerHour: 1,
      },
      US_EAST_1,
    );

    expect(result).toEqual({ lcus: 2, dimension: 'newConnectionsPerSecond' });
  });

  test.each([
    [{ ...idle, processedGbPerHour: 3, newConnectionsPerSecond: 25 }, 3, 'processedGbPerHour'],
    [{ ...idle, activeConnectionsPerMinute: 12_000 }, 4, 'activeConnectionsPerMinute'],
    [{ ...idle, ruleEvaluationsPerSecond: 5000 }, 5, 'ruleEvaluationsPerSecond'],
  ])('%o is %d LCUs of %s', (load, lcus, dimension) => {
    expect(albLcus(load, US_EAST_1)).toEqual({ lcus, dimension });
  });

  test('Lambda targets get 0.4 GB per LCU-hour instead of 1 GB', () => {
    // 1 GB/h / 0.4 = 2.5
    expect(albLcus({ ...idle, processedGbPerHour: 1 }, US_EAST_1, 'lambda').lcus).toBeCloseTo(
      2.5,
      9,
    );
  });

  test('fargate pays for the bytes its photos and cartoons move', () => {
    const cost = fargateCost(oneGb());

    // 1,000,000 × (100 + 150) KB = 238.42 GB over 720 h = 0.3311 GB/h → 0.3311 LCU, larger than
    // new connections (0.386/s ÷ 25 = 0.0154). 0.3311 × 720 h × $0.008 = $1.9073
    expect(usd(cost, 'load balancer', 'LCUs')).toBeCloseTo(1.9073486, 6);
    expect(lines(cost, 'load balancer', 'LCUs')[0]?.detail).toContain('processedGbPerHour');
    // 720 h × $0.0225
    expect(usd(cost, 'load balancer', 'ALB')).toBeCloseTo(16.2, 6);
  });
});

describe('Fargate tasks', () => {
  test('follow the load: busy vCPU-seconds over what a task gives at the CPU target', () => {
    // 20,000,000 × 0.5 s × (1769/1769 vCPU) = 10,000,000 vCPU-s;
    // one 1-vCPU task at 75%: 2,592,000 × 0.75 = 1,944,000 → 5.14 → 6 tasks
    const w = oneGb({ requestsPerMonth: 20_000_000, memoryMb: 1769 });

    expect(fargateTaskCount(w).tasks).toBe(6);
    // 6 × 720 h × (1 × $0.03238 + 2 × $0.00356 = $0.0395) = $170.64
    expect(usd(fargateCost(w), 'tasks')).toBeCloseTo(170.64, 6);
  });

  test('bigger tasks mean fewer of them', () => {
    // 10,000,000 / (2,592,000 × 2 × 0.75 = 3,888,000) = 2.57 → 3 tasks of 2 vCPU, 2 images at once
    const w = oneGb({
      requestsPerMonth: 20_000_000,
      memoryMb: 1769,
      fargate: { taskVcpu: 2, taskMemoryGb: 4 },
    });

    expect(fargateTaskCount(w)).toMatchObject({ tasks: 3, concurrencyPerTask: 2 });
  });

  test('never go below the service minimum', () => {
    // 1,000,000 × 0.5 s = 500,000 vCPU-s / 1,944,000 = 0.26 → 1, but the minimum is 2
    const w = oneGb({ memoryMb: 1769, fargate: { minTasks: 2 } });

    expect(fargateTaskCount(w).tasks).toBe(2);
    expect(fargateTaskCount(oneGb({ memoryMb: 1769 })).tasks).toBe(1);
  });

  test('Spot is priced as x86_64 whatever the architecture, and says its price varies', () => {
    const cost = fargateCost(oneGb({ fargate: { spot: true } }));

    // 1 task × 720 h × (1 × $0.01264791 + 2 × $0.00138883) = $11.1064
    expect(usd(cost, 'tasks')).toBeCloseTo(11.1064104, 6);
    expect(cost.arch).toBe('x86_64');
    expect(cost.notes.join(' ')).toMatch(/x86_64 tasks only/);
    expect(cost.notes.join(' ')).toMatch(/Spot prices vary/);
  });
});

describe('Lambda Managed Instances', () => {
  test('run three instances at least, plus the 15% fee and $0.20/M requests, with no duration charge', () => {
    const cost = managedInstancesCost(oneGb());

    // 3 × c7g.large × 720 h × $0.0725 = $156.60; fee 15% = $23.49
    expect(usd(cost, 'instances', 'EC2')).toBeCloseTo(156.6, 6);
    expect(usd(cost, 'instances', 'management fee')).toBeCloseTo(23.49, 6);
    expect(usd(cost, 'requests')).toBeCloseTo(0.2, 6);
    expect(lines(cost, 'compute')).toHaveLength(0);
    expect(cost.deployed).toBe(false);
  });

  test('add instances when the load needs more than three', () => {
    // 50,000,000 × 0.5 s = 25,000,000 vCPU-s / (2,592,000 × 2 vCPU × 0.75) = 6.43 → 7
    const cost = managedInstancesCost(oneGb({ requestsPerMonth: 50_000_000, memoryMb: 1769 }));

    // 7 × 720 h × $0.0725 = $365.40
    expect(usd(cost, 'instances', 'EC2')).toBeCloseTo(365.4, 6);
  });
});

describe('the S3 path', () => {
  test('adds S3 requests everywhere and queue messages where a queue is in the way', () => {
    const w = oneGb({ s3Share: 1 });
    const [zip, image, fargate] = variantCosts(w);

    // 2 PUT × 1,000,000 × $0.005/1,000 = $10; 3 GET × 1,000,000 × $0.0004/1,000 = $1.20
    expect(zip && usd(zip, 'S3')).toBeCloseTo(11.2, 6);
    expect(zip && lines(zip, 'queue')).toHaveLength(0);
    // lambda-image: 3,000,000 message requests + 5 pollers × 129,600 = 3,648,000 × $0.40/M
    expect(image && usd(image, 'queue')).toBeCloseTo(1.4592, 6);
    // fargate: 3,000,000 + 1 task × 129,600 = 3,129,600 × $0.40/M
    expect(fargate && usd(fargate, 'queue')).toBeCloseTo(1.25184, 6);
  });
});

describe('the report', () => {
  test('carries where the durations were measured on the report and on every variant', () => {
    const report = costReport(oneGb({ measuredWhere: 'local' }));

    expect(report.measuredWhere).toBe('local');
    expect(report.variants.map((v) => v.measuredWhere)).toEqual([
      'local',
      'local',
      'local',
      'local',
    ]);
  });

  test('gives each variant its cost per 1,000 images', () => {
    const report = costReport(oneGb());

    expect(report.variants).toHaveLength(4);
    for (const v of report.variants) {
      // 1,000,000 images: the month divided by 1,000
      expect(v.per1000ImagesUsd).toBeCloseTo(v.monthlyUsd / 1000, 9);
    }
    expect(costReport(oneGb({ requestsPerMonth: 0 })).variants[0]?.per1000ImagesUsd).toBeNull();
  });

  test('has a curve from 10k to 100M requests, five points a decade', () => {
    const curve = costCurve(oneGb());

    expect(curve).toHaveLength(21);
    expect(curve[0]?.requestsPerMonth).toBe(10_000);
    expect(curve[5]?.requestsPerMonth).toBe(100_000);
    expect(curve[20]?.requestsPerMonth).toBe(100_000_000);
  });
});

describe('the break-even point', () => {
  const w = oneGb({ memoryMb: 1769, payloadKb: 300 });
  const gap = (requestsPerMonth: number) => {
    const costs = variantCosts({ ...w, requestsPerMonth });
    const cost = (name: string) => costs.find((v) => v.variant === name)?.monthlyUsd ?? Number.NaN;
    return cost('fargate') - cost('lambda-zip');
  };

  test('lies where Fargate turns from dearer to cheaper than Lambda', () => {
    const result = breakEven(w);

    expect(result.requestsPerMonth).not.toBeNull();
    const at = result.requestsPerMonth ?? 0;
    const [low, high] = result.between ?? [0, 0];
    // The curve points bracket the sign change ...
    expect(gap(low)).toBeGreaterThan(0);
    expect(gap(high)).toBeLessThanOrEqual(0);
    expect(at).toBeGreaterThan(low);
    expect(at).toBeLessThanOrEqual(high);
    // ... and the narrowed point is where it happens, to the request.
    expect(gap(at)).toBeLessThanOrEqual(0);
    expect(gap(at - 1)).toBeGreaterThan(0);
  });

  test('moves later with provisioned concurrency, which is cheaper per GB-s when it is kept busy', () => {
    // At the break-even point average concurrency is above 2, so both provisioned environments
    // run at $0.0000077778 + $0.0000033334 = $0.0000111112 per GB-s instead of $0.0000133334.
    const [given, , provisioned] = breakEvenScenarios(w);

    expect(provisioned?.scenario).toBe('provisioned concurrency 2');
    expect(provisioned?.breakEven.requestsPerMonth).toBeGreaterThan(
      given?.breakEven.requestsPerMonth ?? Number.POSITIVE_INFINITY,
    );
  });

  test('comes sooner on x86_64, where Lambda pays 25% more and the ALB nothing more', () => {
    const [given, x86] = breakEvenScenarios(w);

    expect(x86?.scenario).toBe('x86_64 (Lambda and Fargate)');
    expect(x86?.breakEven.requestsPerMonth).toBeLessThan(given?.breakEven.requestsPerMonth ?? 0);
  });

  test('says so when Fargate is already cheaper at the bottom of the curve', () => {
    // 10-minute images at 10 GB: 10,000 × 600 s × 10 GB = 60,000,000 GB-s ≈ $800 on Lambda;
    // Fargate needs 10,000 × 600 s × 10240/1769 vCPU / 1,944,000 = 17.9 → 18 tasks ≈ $512 + ALB.
    const result = breakEven(
      oneGb({ requestsPerMonth: 10_000, durationMs: 600_000, memoryMb: 10_240 }),
    );

    expect(result.requestsPerMonth).toBeNull();
    expect(result.reason).toBe('Fargate is already cheaper at 10,000 requests a month');
  });

  test('says so when Lambda stays cheaper up to 100M', () => {
    // 10 ms at 128 MB: at 100M, Lambda ≈ $1.67 duration + $20 requests + $100 HTTP API, while the
    // ALB alone moves 100M × 250 KB = 23.8 TB, 33 LCU an hour ≈ $190.
    const result = breakEven(oneGb({ durationMs: 10, memoryMb: 128 }));

    expect(result.requestsPerMonth).toBeNull();
    expect(result.reason).toBe('lambda-zip stays cheaper up to 100,000,000 requests a month');
  });
});
