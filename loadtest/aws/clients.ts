/**
 * The SDK clients of the AWS path, created once per run in one region, and AWS's clock as
 * their answers tell it. A fake AWS endpoint in the tests is reached the way the SDK documents
 * for any endpoint: `endpoint` here, or `AWS_ENDPOINT_URL` in the environment.
 */
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';

export interface AwsClients {
  readonly cloudformation: CloudFormationClient;
  readonly lambda: LambdaClient;
  readonly logs: CloudWatchLogsClient;
  readonly ecs: ECSClient;
  readonly autoscaling: ApplicationAutoScalingClient;
  /** AWS's clock, learnt from the `Date` header of every answer. */
  readonly clock: ServerClock;
  destroy(): void;
}

/**
 * AWS's time as this machine can know it: every answer's `Date` header (one-second
 * resolution) against the local clock when it arrived. REPORT timestamps are AWS's, so the
 * Logs Insights window is drawn in AWS's time, widened by `MARGIN_MS` for the header's
 * resolution and the request's transit.
 */
export class ServerClock {
  static readonly MARGIN_MS = 2_000;
  private offsetMs: number | undefined;

  /** Takes one answer's `Date` header, received at local time `localMs`. */
  observe(dateHeader: string | undefined, localMs = Date.now()): void {
    if (dateHeader === undefined) return;
    const server = Date.parse(dateHeader);
    if (Number.isNaN(server)) return;
    // The header is truncated to the second: the true time is up to 1 s later.
    this.offsetMs = server + 500 - localMs;
  }

  /** AWS's time now; this machine's until an answer has been seen. */
  now(localMs = Date.now()): number {
    return localMs + (this.offsetMs ?? 0);
  }

  /** Whether any answer has told AWS's time yet. */
  get known(): boolean {
    return this.offsetMs !== undefined;
  }
}

type WithMiddleware = {
  middlewareStack: {
    add: (
      middleware: (
        next: (args: unknown) => Promise<{ response: unknown }>,
      ) => (args: unknown) => Promise<{ response: unknown }>,
      options: { step: 'deserialize'; name: string },
    ) => void;
  };
};

function watchClock(client: WithMiddleware, clock: ServerClock): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const headers = (result.response as { headers?: Record<string, string> }).headers;
      clock.observe(headers?.date);
      return result;
    },
    { step: 'deserialize', name: 'cartoonServerClock' },
  );
}

/**
 * The clients in one region; `endpoint` points all of them at one URL (a test's fake AWS).
 *
 * @example
 * ```ts
 * const clients = createAwsClients({ region: 'eu-west-1' });
 * clients.destroy();
 * ```
 */
export function createAwsClients(options: {
  readonly region: string;
  readonly endpoint?: string;
  /** Static credentials (a test's fake); else the SDK's default chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}): AwsClients {
  const config = {
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } }),
  };
  const clock = new ServerClock();
  const clients = {
    cloudformation: new CloudFormationClient(config),
    lambda: new LambdaClient(config),
    logs: new CloudWatchLogsClient(config),
    ecs: new ECSClient(config),
    autoscaling: new ApplicationAutoScalingClient(config),
  };
  for (const client of Object.values(clients))
    watchClock(client as unknown as WithMiddleware, clock);
  return {
    ...clients,
    clock,
    destroy() {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}
