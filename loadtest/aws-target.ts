/**
 * The load test's view of deployed stacks (`--target aws`). Each variant's front door and
 * bucket come from its stack's outputs (loadtest/aws/stacks.ts); Lambda variants are made cold
 * by a changed configuration that is removed again at the end (aws/lambda-cold.ts), fargate by
 * scaling its service to zero and back, restored even on Ctrl-C (aws/fargate-cold.ts); REPORT
 * figures come from Logs Insights, from the log group each function's configuration names,
 * re-queried until they cover the requests sent (aws/report-query.ts). A variant whose stack is
 * missing, failed, or cannot be read is left out with a note; the others still run.
 */
import { DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import type { Report } from '../local-cloud/report-log';
import { type AwsClients, createAwsClients, ServerClock } from './aws/clients';
import {
  type EcsService,
  ecsServiceFromResources,
  FARGATE_TIMING,
  type FargateTiming,
  restorePending,
  scaleFromZero,
} from './aws/fargate-cold';
import {
  aliasesOf,
  apiFunctionFromResources,
  COLD_VARIABLE,
  forceNewEnvironments,
  LAMBDA_TIMING,
  type LambdaTiming,
  logGroupOf,
  removeMarker,
} from './aws/lambda-cold';
import { QUERY_TIMING, type QueryTiming, reportsCovering } from './aws/report-query';
import { endpointFromOutputs, lookUpStack, stackNames } from './aws/stacks';
import type { LogMark, Target, VariantEndpoint } from './target';

/** A Lambda variant's HTTP function as deployed. */
export interface DeployedFunction {
  readonly name: string;
  readonly logGroup: string;
  /** Aliases of the function in its stack: the HTTP API calls one when there are any. */
  readonly aliases: readonly string[];
}

export interface Discovered {
  readonly variants: VariantEndpoint[];
  readonly functions: Map<string, DeployedFunction>;
  readonly service?: EcsService & { readonly stackName: string };
}

const message = (err: unknown) =>
  err instanceof Error
    ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`
    : String(err);

/**
 * Every chosen variant's stack, read: endpoints from outputs, each Lambda variant's function
 * and the log group its configuration names, the fargate service (restored first if an
 * interrupted run left it scaled down). A variant that cannot be read is noted and left out.
 *
 * @example
 * ```ts
 * const { variants, functions } = await discover(clients, 'dev', ['lambda-zip'], 'reports/.aws-state', console.log);
 * ```
 */
export async function discover(
  clients: AwsClients,
  stage: string,
  variants: readonly string[],
  stateDir: string,
  note: (line: string) => void,
): Promise<Discovered> {
  const names = stackNames(stage);
  const found: VariantEndpoint[] = [];
  const functions = new Map<string, DeployedFunction>();
  let service: Discovered['service'];
  for (const variant of variants) {
    const StackName = names[variant];
    if (StackName === undefined) continue;
    try {
      const lookup = await lookUpStack(clients, StackName);
      if (lookup.kind !== 'found') {
        note(`${variant}: ${lookup.reason}; skipped`);
        continue;
      }
      if (lookup.note) note(`${variant}: ${lookup.note}`);
      const endpoint = endpointFromOutputs(variant, lookup.stack.Outputs ?? []);
      const resources =
        (await clients.cloudformation.send(new DescribeStackResourcesCommand({ StackName })))
          .StackResources ?? [];
      if (variant === 'fargate') {
        const ecs = ecsServiceFromResources(resources);
        if (ecs) {
          service = { ...ecs, stackName: StackName };
          const restored = await restorePending(clients, stateDir, StackName);
          if (restored) note(`fargate: ${restored}`);
        }
      } else {
        const fn = apiFunctionFromResources(resources);
        if (fn === undefined) {
          note(`${variant}: stack ${StackName} has no Api… function; no REPORT figures`);
        } else {
          const config = await clients.lambda.send(
            new GetFunctionConfigurationCommand({ FunctionName: fn }),
          );
          functions.set(variant, {
            name: fn,
            logGroup: logGroupOf({ FunctionName: fn, ...config }),
            aliases: aliasesOf(resources, fn),
          });
        }
      }
      if (endpoint.url === undefined) note(`${variant}: stack ${StackName} has no URL output`);
      found.push(endpoint);
    } catch (err) {
      note(`${variant}: reading stack ${StackName} failed (${message(err)}); skipped`);
    }
  }
  return { variants: found, functions, ...(service ? { service } : {}) };
}

export interface AwsTargetOptions {
  readonly stage: string;
  readonly region: string;
  readonly variants: readonly string[];
  /** Where fargate's pending restore is kept between runs. */
  readonly stateDir: string;
  readonly note?: (line: string) => void;
  /** One URL for every AWS API (a test's fake); else the SDK's (`AWS_ENDPOINT_URL` too). */
  readonly endpoint?: string;
  readonly clients?: AwsClients;
  readonly timing?: {
    readonly query?: QueryTiming;
    readonly lambda?: LambdaTiming;
    readonly fargate?: FargateTiming;
  };
}

/** The AWS target, which can also wait for REPORT lines to cover a known number of requests. */
export interface AwsTarget extends Target {
  /** The REPORT lines since `mark`, re-queried until there are `expected` or the deadline. */
  reportsCovering(variant: string, mark: LogMark, expected: number | undefined): Promise<Report[]>;
}

/**
 * The target for deployed stacks.
 *
 * @example
 * ```ts
 * const target = await awsTarget({ stage: 'dev', region: 'eu-west-1', variants: ['lambda-zip', 'fargate'], stateDir: 'reports/.aws-state' });
 * ```
 */
export async function awsTarget(options: AwsTargetOptions): Promise<AwsTarget> {
  const note = options.note ?? (() => undefined);
  const owned = options.clients === undefined;
  const clients =
    options.clients ??
    createAwsClients({
      region: options.region,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    });
  const timing = {
    query: options.timing?.query ?? QUERY_TIMING,
    lambda: options.timing?.lambda ?? LAMBDA_TIMING,
    fargate: options.timing?.fargate ?? FARGATE_TIMING,
  };
  let discovered: Discovered;
  try {
    discovered = await discover(clients, options.stage, options.variants, options.stateDir, note);
  } catch (err) {
    if (owned) clients.destroy();
    throw err;
  }
  const { variants, functions, service } = discovered;
  if (variants.length === 0) {
    if (owned) clients.destroy();
    throw new Error(
      `no usable stack of ${options.variants.join(', ')} for stage ${options.stage} in ${options.region}`,
    );
  }
  /** Restores an interrupt must run (fargate's service), by registration. */
  const pending = new Set<() => Promise<void>>();
  /** Functions whose marker variable must be removed at the end. */
  const marked = new Set<string>();
  let closed: Promise<void> | undefined;

  const reportsCoveringFn = async (
    variant: string,
    mark: LogMark,
    expected: number | undefined,
  ): Promise<Report[]> => {
    const fn = functions.get(variant);
    if (fn === undefined) return [];
    const { reports, covered, queries } = await reportsCovering(
      clients,
      fn.logGroup,
      mark,
      expected,
      timing.query,
    );
    if (!covered) {
      note(
        `${variant}: ${reports.length}${expected === undefined ? '' : ` of ${expected}`} REPORT lines found in ${fn.logGroup} after ${queries} Logs Insights queries (${timing.query.deadlineMs / 1000} s); the figures undercount`,
      );
    }
    const flagged = reports.filter((r) => r.status !== undefined && r.status !== 'success');
    if (flagged.length > 0) {
      const byStatus = new Map<string, number>();
      for (const r of flagged)
        byStatus.set(r.status ?? '', (byStatus.get(r.status ?? '') ?? 0) + 1);
      note(
        `${variant}: REPORT lines with a status: ${[...byStatus].map(([s, n]) => `${n} ${s}`).join(', ')}`,
      );
    }
    return reports;
  };

  return {
    where: 'aws',
    label: `AWS ${options.region}, stage ${options.stage}`,
    variants,
    s3: { region: options.region },
    async makeCold(variant) {
      if (variant === 'fargate') {
        if (service === undefined) {
          return { cold: false, how: 'not forced: the stack names no ECS service' };
        }
        return scaleFromZero(clients, {
          stackName: service.stackName,
          service,
          url: variants.find((v) => v.name === 'fargate')?.url,
          stateDir: options.stateDir,
          timing: timing.fargate,
          onPending: (restore) => {
            pending.add(restore);
            return () => pending.delete(restore);
          },
        });
      }
      if (variant === 'managed-instances') {
        // A changed configuration only reaches $LATEST; the published version the HTTP API
        // calls starts its environments before it takes traffic, so no request meets a cold
        // start (AWS Lambda developer guide, "Scaling Lambda Managed Instances",
        // https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-scaling.html,
        // read 2026-12).
        return {
          cold: false,
          how: 'not forced: Lambda Managed Instances start environments before a version takes traffic, so no request waits for one',
        };
      }
      const fn = functions.get(variant);
      if (fn === undefined) {
        return { cold: false, how: 'not forced: the stack names no API function' };
      }
      const forced = await forceNewEnvironments(clients, fn.name, fn.aliases, timing.lambda);
      if (forced.cold) marked.add(fn.name);
      return forced;
    },
    async markLogs() {
      // AWS's clock (REPORT timestamps are AWS's), less the margin of the Date header.
      return clients.clock.now() - ServerClock.MARGIN_MS;
    },
    reportsSince: (variant, mark) => reportsCoveringFn(variant, mark, undefined),
    reportsCovering: reportsCoveringFn,
    close() {
      closed ??= (async () => {
        for (const restore of [...pending]) {
          try {
            await restore();
            note('fargate: service restored to its size and auto-scaling minimum');
          } catch (err) {
            note(
              `fargate: restoring the service failed (${message(err)}); the next run retries from ${options.stateDir}`,
            );
          }
        }
        for (const fn of marked) {
          try {
            await removeMarker(clients, fn, timing.lambda);
          } catch (err) {
            note(`${fn}: removing ${COLD_VARIABLE} failed (${message(err)}); remove it by hand`);
          }
        }
        if (owned) clients.destroy();
      })();
      return closed;
    },
  };
}
