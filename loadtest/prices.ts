/**
 * The AWS prices the cost model uses, one figure at a time, each with where it comes from and
 * when it was checked. Plain data with no imports, so the same table serves the CLI
 * (`npm run cost`) and, later, a cost panel in the browser.
 *
 * How the figures were checked (2026-11-28): this project cannot browse the live AWS pricing
 * pages, only a store of previously crawled public pages. `note` says, for every figure, what
 * was actually seen: an AWS page or AWS blog post in that store, a third-party page quoting the
 * AWS page, or nothing (then the figure is the one AWS's pricing page showed as last known to
 * us). Before a real decision, compare with the live pages: prices change.
 */

/** Lambda and Fargate architectures as AWS names them. */
export type Arch = 'arm64' | 'x86_64';

/** One price, in US dollars per `unit`. */
export interface Price {
  readonly usd: number;
  readonly unit: string;
  /** The AWS pricing page or announcement the figure belongs to. */
  readonly source: string;
  /** When the figure was checked (ISO date). */
  readonly checked: string;
  /** What was seen when it was checked: honest about second-hand and remembered figures. */
  readonly note: string;
}

/** A volume tier: the price applies to usage up to `upTo` (cumulative); `null` means no bound. */
export interface Tier {
  readonly upTo: number | null;
  readonly price: Price;
}

/** A fact that is not a price (a free allowance, a metering increment, a minimum). */
export interface Fact {
  readonly value: number;
  readonly unit: string;
  readonly source: string;
  readonly checked: string;
  readonly note: string;
}

/** An EC2 instance type Lambda Managed Instances can run on. */
export interface Instance {
  readonly type: string;
  readonly vcpu: number;
  readonly memoryGib: number;
  readonly onDemand: Price;
}

export interface RegionPrices {
  readonly region: string;
  readonly lambda: {
    readonly requests: Price;
    /** On-demand duration (and INIT) per GB-second, by monthly GB-seconds per architecture. */
    readonly duration: Readonly<Record<Arch, readonly Tier[]>>;
    /** Provisioned concurrency: per GB-second configured, busy or not. */
    readonly provisioned: Readonly<Record<Arch, Price>>;
    /** Duration of invocations served by provisioned environments (lower than on-demand). */
    readonly provisionedDuration: Readonly<Record<Arch, Price>>;
    readonly freeRequests: Fact;
    readonly freeGbSeconds: Fact;
    /** Since when on-demand zip functions pay for INIT (images always did). */
    readonly initBilledSince: {
      readonly date: string;
      readonly source: string;
      readonly note: string;
    };
  };
  readonly managedInstances: {
    readonly requests: Price;
    /** Management fee as a fraction of the EC2 on-demand price. */
    readonly managementFee: Fact;
    readonly minInstances: Fact;
    /** The instance priced for each architecture, and why it was picked. */
    readonly instance: Readonly<Record<Arch, Instance>>;
    readonly instanceChoice: string;
  };
  readonly fargate: {
    readonly vcpuHour: Readonly<Record<Arch, Price>>;
    readonly gbHour: Readonly<Record<Arch, Price>>;
    /** Fargate Spot runs x86_64 tasks only, and its price moves with supply and demand. */
    readonly spotVcpuHour: Price;
    readonly spotGbHour: Price;
  };
  readonly httpApi: {
    /** Per request, by monthly requests. */
    readonly requests: readonly Tier[];
    /** Requests are metered in increments of this many KB. */
    readonly meteringKb: Fact;
  };
  readonly alb: {
    readonly hour: Price;
    readonly lcuHour: Price;
    /** What one LCU buys, per dimension; the largest dimension is billed. */
    readonly lcu: {
      readonly newConnectionsPerSecond: Fact;
      readonly activeConnectionsPerMinute: Fact;
      readonly processedGbPerHour: Fact;
      readonly processedGbPerHourLambda: Fact;
      readonly ruleEvaluationsPerSecond: Fact;
      readonly freeRules: Fact;
    };
  };
  readonly s3: { readonly put: Price; readonly get: Price };
  readonly sqs: { readonly requests: Price; readonly chunkKb: Fact };
  readonly logs: { readonly ingestionGb: Price };
}

const CHECKED = '2026-11-28';

const LAMBDA_PAGE = 'https://aws.amazon.com/lambda/pricing/';
const LAMBDA_TIERS_BLOG =
  'https://aws.amazon.com/blogs/compute/introducing-tiered-pricing-for-aws-lambda/';
const LAMBDA_INIT_BLOG =
  'https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/';
const LMI_ANNOUNCEMENT =
  'https://aws.amazon.com/blogs/aws/introducing-aws-lambda-managed-instances-serverless-simplicity-with-ec2-flexibility/';
const LMI_SCALING_DOCS =
  'https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-scaling.html';
const EC2_PAGE = 'https://aws.amazon.com/ec2/pricing/on-demand/';
const FARGATE_PAGE = 'https://aws.amazon.com/fargate/pricing/';
const API_GATEWAY_PAGE = 'https://aws.amazon.com/api-gateway/pricing/';
const ELB_PAGE = 'https://aws.amazon.com/elasticloadbalancing/pricing/';
const S3_PAGE = 'https://aws.amazon.com/s3/pricing/';
const SQS_PAGE = 'https://aws.amazon.com/sqs/pricing/';
const CLOUDWATCH_PAGE = 'https://aws.amazon.com/cloudwatch/pricing/';

const LAST_KNOWN =
  "From AWS's pricing page as last known; not confirmed from a stored page on 2026-11-28.";

function price(usd: number, unit: string, source: string, note: string): Price {
  return { usd, unit, source, checked: CHECKED, note };
}

function fact(value: number, unit: string, source: string, note: string): Fact {
  return { value, unit, source, checked: CHECKED, note };
}

const US_EAST_1: RegionPrices = {
  region: 'us-east-1',
  lambda: {
    requests: price(
      0.2 / 1e6,
      'request',
      LAMBDA_PAGE,
      '$0.20 per million requests: seen on a stored copy of the AWS Lambda pricing page (its worked example) and in a transcript of that page dated 2026-09-20.',
    ),
    duration: {
      // Tier bounds from the AWS blog that introduced them; the rates inside each tier as noted.
      x86_64: [
        {
          upTo: 6e9,
          price: price(
            0.0000166667,
            'GB-second',
            LAMBDA_PAGE,
            'First 6 billion GB-s/month: rate seen in a 2026-09-20 transcript of the AWS Lambda pricing page and on a third-party guide (cloudchipr.com); tier bound from the AWS tiered-pricing blog.',
          ),
        },
        {
          upTo: 15e9,
          price: price(
            0.000015,
            'GB-second',
            LAMBDA_PAGE,
            `Next 9 billion GB-s (10% off): rate seen on a third-party guide (cloudchipr.com) quoting the AWS page; bound and discount from ${LAMBDA_TIERS_BLOG}.`,
          ),
        },
        {
          upTo: null,
          price: price(
            0.0000133334,
            'GB-second',
            LAMBDA_PAGE,
            `Over 15 billion GB-s (20% off): rate seen on a third-party guide (cloudchipr.com); bound and discount from ${LAMBDA_TIERS_BLOG}.`,
          ),
        },
      ],
      arm64: [
        {
          upTo: 7.5e9,
          price: price(
            0.0000133334,
            'GB-second',
            LAMBDA_PAGE,
            `First 7.5 billion GB-s/month: rate seen on a third-party guide (cloudchipr.com) quoting the AWS page; bound from ${LAMBDA_TIERS_BLOG}.`,
          ),
        },
        {
          upTo: 18.75e9,
          price: price(
            0.0000120001,
            'GB-second',
            LAMBDA_PAGE,
            `Next 11.25 billion GB-s (10% off): rate seen on a third-party guide (cloudchipr.com); bound and discount from ${LAMBDA_TIERS_BLOG}.`,
          ),
        },
        {
          upTo: null,
          price: price(
            0.0000106667,
            'GB-second',
            LAMBDA_PAGE,
            `Over 18.75 billion GB-s (20% off): bound and discount from ${LAMBDA_TIERS_BLOG}; the rate itself ${LAST_KNOWN}`,
          ),
        },
      ],
    },
    provisioned: {
      x86_64: price(
        0.0000041667,
        'GB-second',
        LAMBDA_PAGE,
        'Seen in a 2026-09-20 transcript of the AWS Lambda pricing page ("$0.0000041667 per GB-second (configured)").',
      ),
      arm64: price(0.0000033334, 'GB-second', LAMBDA_PAGE, LAST_KNOWN),
    },
    provisionedDuration: {
      x86_64: price(0.0000097222, 'GB-second', LAMBDA_PAGE, LAST_KNOWN),
      arm64: price(0.0000077778, 'GB-second', LAMBDA_PAGE, LAST_KNOWN),
    },
    freeRequests: fact(
      1_000_000,
      'requests/month',
      LAMBDA_PAGE,
      'Seen in a 2026-09-20 transcript of the AWS Lambda pricing page ("one million requests and 400,000 GB-seconds per month"). A stored copy of the page also says the free tier does not apply to functions with provisioned concurrency.',
    ),
    freeGbSeconds: fact(
      400_000,
      'GB-seconds/month',
      LAMBDA_PAGE,
      'Seen in a 2026-09-20 transcript of the AWS Lambda pricing page.',
    ),
    initBilledSince: {
      date: '2025-08-01',
      source: LAMBDA_INIT_BLOG,
      note: 'AWS Compute Blog, "AWS Lambda standardizes billing for INIT Phase" (stored copy read 2026-11-28): from 2025-08-01 the INIT phase of on-demand zip functions on managed runtimes is billed like the invoke phase; container images, custom runtimes and provisioned concurrency already included it.',
    },
  },
  managedInstances: {
    requests: price(
      0.2 / 1e6,
      'request',
      LAMBDA_PAGE,
      `$0.20 per million requests, no per-GB-second duration charge: seen in a 2026-09-20 transcript of the AWS Lambda pricing page (Managed Instances section). Announced at re:Invent 2025: ${LMI_ANNOUNCEMENT} (read via a stored mirror).`,
    ),
    managementFee: fact(
      0.15,
      'fraction of the EC2 on-demand price',
      LAMBDA_PAGE,
      'Seen in a 2026-09-20 transcript of the AWS Lambda pricing page ("15% premium on the EC2 on-demand instance price"); the re:Invent 2025 session CNS382 summary says the same.',
    ),
    minInstances: fact(
      3,
      'instances',
      LMI_SCALING_DOCS,
      'AWS Lambda developer guide (stored copies of the scaling and best-practices pages): Lambda launches three instances by default for Availability Zone resiliency.',
    ),
    instance: {
      arm64: {
        type: 'c7g.large',
        vcpu: 2,
        memoryGib: 4,
        onDemand: price(
          0.0725,
          'instance-hour',
          EC2_PAGE,
          `Linux on-demand, ${LAST_KNOWN} For comparison a third-party page (factualminds.com, June 2026) gives m7g.large at $0.0816.`,
        ),
      },
      x86_64: {
        type: 'c7i.large',
        vcpu: 2,
        memoryGib: 4,
        onDemand: price(0.08925, 'instance-hour', EC2_PAGE, `Linux on-demand, ${LAST_KNOWN}`),
      },
    },
    instanceChoice:
      'c7g.large (Graviton3, 2 vCPU, 4 GiB): cartoonizing is CPU-bound, so compute-optimised instances give the most vCPU per dollar; 2 GiB per vCPU is the smallest memory ratio Managed Instances allow and more than one image at a time needs (a peak of about 120 MB for a 12 MP photo, npm run bench); arm64 is what lambda-zip already runs. c7i.large is the x86_64 counterpart.',
  },
  fargate: {
    vcpuHour: {
      x86_64: price(
        0.04048,
        'vCPU-hour',
        FARGATE_PAGE,
        'Linux/x86_64: seen on third-party pages quoting the AWS Fargate page for us-east-1 (vantage.sh; fortem.dev, "verified June 2026").',
      ),
      arm64: price(
        0.03238,
        'vCPU-hour',
        FARGATE_PAGE,
        'Linux/ARM: seen on third-party pages quoting the AWS Fargate page for us-east-1 (vantage.sh; fortem.dev, "verified June 2026").',
      ),
    },
    gbHour: {
      x86_64: price(
        0.004445,
        'GB-hour',
        FARGATE_PAGE,
        'Linux/x86_64: seen on third-party pages quoting the AWS Fargate page for us-east-1 (vantage.sh, wring.co).',
      ),
      arm64: price(
        0.00356,
        'GB-hour',
        FARGATE_PAGE,
        'Linux/ARM: seen on third-party pages quoting the AWS Fargate page for us-east-1 (vantage.sh; fortem.dev).',
      ),
    },
    spotVcpuHour: price(
      0.01264791,
      'vCPU-hour',
      FARGATE_PAGE,
      `Fargate Spot, Linux/x86_64 only. Spot prices vary with supply and demand (AWS shows the current figure on the page). ${LAST_KNOWN}`,
    ),
    spotGbHour: price(
      0.00138883,
      'GB-hour',
      FARGATE_PAGE,
      `Fargate Spot, Linux/x86_64 only; the price varies. ${LAST_KNOWN}`,
    ),
  },
  httpApi: {
    requests: [
      {
        upTo: 300e6,
        price: price(
          1.0 / 1e6,
          'request',
          API_GATEWAY_PAGE,
          'HTTP API, first 300 million requests/month: seen on third-party pages citing the AWS page (apigatewaycost.com, awsforengineers.com, amnic.com).',
        ),
      },
      {
        upTo: null,
        price: price(
          0.9 / 1e6,
          'request',
          API_GATEWAY_PAGE,
          'HTTP API, over 300 million requests/month: seen on the same third-party pages (apigatewaycost.com gives $0.80 above 1 billion, which this model does not reach).',
        ),
      },
    ],
    meteringKb: fact(
      512,
      'KB',
      API_GATEWAY_PAGE,
      'AWS whitepaper "Best practices for API Gateway private APIs and integration", cost optimization (stored copy): "HTTP APIs are metered in 512 KB increments."',
    ),
  },
  alb: {
    hour: price(
      0.0225,
      'ALB-hour',
      ELB_PAGE,
      'Seen on a third-party page (cloud-horizons.com, May 2026: "$0.0225 per ALB per hour"). Partial hours are billed as full hours.',
    ),
    lcuHour: price(
      0.008,
      'LCU-hour',
      ELB_PAGE,
      'Seen on a third-party page (cloud-horizons.com, May 2026: "The LCU-hour bills $0.008").',
    ),
    lcu: {
      newConnectionsPerSecond: fact(
        25,
        'new connections per second',
        ELB_PAGE,
        'LCU dimensions seen on the Vantage AWS handbook (handbook.vantage.sh) and other pages quoting the AWS page.',
      ),
      activeConnectionsPerMinute: fact(
        3000,
        'active connections per minute',
        ELB_PAGE,
        'As above.',
      ),
      processedGbPerHour: fact(
        1,
        'GB per hour (EC2, container and IP targets)',
        ELB_PAGE,
        'As above.',
      ),
      processedGbPerHourLambda: fact(0.4, 'GB per hour (Lambda targets)', ELB_PAGE, 'As above.'),
      ruleEvaluationsPerSecond: fact(1000, 'rule evaluations per second', ELB_PAGE, 'As above.'),
      freeRules: fact(10, 'rules per request', ELB_PAGE, 'The first 10 rules processed are free.'),
    },
  },
  s3: {
    put: price(
      0.005 / 1000,
      'PUT/COPY/POST/LIST request',
      S3_PAGE,
      'S3 Standard, $0.005 per 1,000: seen on a third-party page quoting the AWS page (c3x.dev).',
    ),
    get: price(
      0.0004 / 1000,
      'GET/HEAD request',
      S3_PAGE,
      'S3 Standard, $0.0004 per 1,000: seen on a third-party page quoting the AWS page (c3x.dev).',
    ),
  },
  sqs: {
    requests: price(
      0.4 / 1e6,
      'request',
      SQS_PAGE,
      'Standard queue, $0.40 per million after the first million free each month (this model leaves that free million out): seen on third-party pages quoting the AWS page (factualminds.com June 2026, cloudburn.io March 2026).',
    ),
    chunkKb: fact(
      64,
      'KB',
      SQS_PAGE,
      'Each 64 KB chunk of a payload is billed as one request (same third-party pages).',
    ),
  },
  logs: {
    ingestionGb: price(
      0.5,
      'GB ingested',
      CLOUDWATCH_PAGE,
      'CloudWatch Logs, Standard log class: seen on a third-party page quoting the AWS page (c3x.dev, "us-east-1, June 2026").',
    ),
  },
};

/** Every region the table has prices for. */
export const PRICES: Readonly<Record<string, RegionPrices>> = { 'us-east-1': US_EAST_1 };

/** The date the table was last checked. */
export const PRICES_CHECKED = CHECKED;

/**
 * The price table of a region, or an error that names the regions there are prices for.
 *
 * @example
 * ```ts
 * const prices = pricesFor('us-east-1');
 * prices.lambda.requests.usd; // 0.0000002
 * ```
 */
export function pricesFor(region: string): RegionPrices {
  const prices = PRICES[region];
  if (!prices) {
    throw new Error(
      `No prices for region ${region}; the table has ${Object.keys(PRICES).join(', ')}`,
    );
  }
  return prices;
}
