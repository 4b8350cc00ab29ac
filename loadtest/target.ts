/**
 * What a scenario needs from where it runs: the variants' URLs and buckets, S3 credentials, a
 * way to make a variant's environments cold, and the REPORT lines written meanwhile. The local
 * cloud (local-target.ts) and deployed stacks (aws-target.ts) both provide it, so every scenario
 * runs unchanged against either.
 */
import type { Report } from '../local-cloud/report-log';

export type Where = 'local' | 'aws';

export interface VariantEndpoint {
  readonly name: string;
  /** Front door base URL (HTTP API or ALB); undefined when the variant has none. */
  readonly url?: string;
  readonly bucket?: string;
  /** A variant with REPORT lines (a Lambda function behind its front door). */
  readonly lambda: boolean;
  /** The request the trivial baseline answers instead of POST /cartoon. */
  readonly trivial?: boolean;
}

export interface S3Access {
  readonly endpoint?: string;
  readonly region: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Where REPORT lines stood before a scenario, so only the scenario's own are read after it. */
export type LogMark = number;

export interface Target {
  readonly where: Where;
  /** Printed on every figure: this machine's local cloud, or AWS with region and stage. */
  readonly label: string;
  readonly variants: readonly VariantEndpoint[];
  readonly s3: S3Access;
  /**
   * Local only: the per-environment CPU limit the local cloud applied (mechanism and note of
   * local-cloud/cpu-limit.ts), and the API function's memory size, whose CPU share the bare
   * yardstick is given.
   */
  readonly local?: {
    readonly cpu: { readonly mechanism: string; readonly note: string };
    readonly apiMemoryMb: number | undefined;
  };
  /**
   * Makes every environment of the variant cold; answers what "cold" meant here (reaped
   * environments, a changed configuration, fresh tasks) or why it could not be done.
   */
  makeCold(variant: string): Promise<{ readonly cold: boolean; readonly how: string }>;
  markLogs(variant: string): Promise<LogMark>;
  /** The REPORT lines of the variant's HTTP function written after `mark`. */
  reportsSince(variant: string, mark: LogMark): Promise<Report[]>;
  close(): Promise<void>;
}
