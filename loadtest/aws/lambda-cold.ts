/**
 * New Lambda environments on demand, and the function left as it was found.
 *
 * Changing a function's configuration makes Lambda retire every environment of the old one,
 * so the next requests meet cold starts. One environment variable (`LOADTEST_COLD_START`,
 * which the handlers ignore) is set to a new value and removed again when the run ends. On the
 * way:
 * - Lambda refuses an update while another is in progress (ResourceConflictException, HTTP
 *   409: "An update is in progress"), for example right after a deploy. The SDK does not retry
 *   it: it is not a throttling or transient code and carries no retryable trait
 *   (aws/aws-sdk-js-v3 retry classification, packages/service-error-classification/src/constants.ts
 *   and @smithy/core's retry submodule, read 2026-12). So the function's update state is waited
 *   for before and after each change (the SDK's `function-updated-v2` waiter: GetFunction until
 *   `Configuration.LastUpdateStatus` is `Successful`, failing on `Failed`, retrying on
 *   `InProgress` and on any error; clients/client-lambda/src/waiters/waitForFunctionUpdatedV2.ts),
 *   and a conflict that still comes is waited out and tried again.
 * - The update carries the RevisionId read with the variables, so a change made meanwhile by
 *   someone else is not overwritten (PreconditionFailedException, then read again).
 * - When Lambda cannot decrypt the variables, GetFunctionConfiguration answers
 *   `Environment.Error` and no `Variables`: sending back "the others" would wipe them, so the
 *   function is not touched and the result says so.
 * - With provisioned concurrency the HTTP API calls an alias (a published version), which a
 *   change to `$LATEST` does not reach: nothing is forced and the result says so.
 */
import type { StackResource } from '@aws-sdk/client-cloudformation';

/** The parts of a stack resource read here. */
type ResourceIds = Partial<
  Pick<StackResource, 'LogicalResourceId' | 'PhysicalResourceId' | 'ResourceType'>
>;

import {
  type FunctionConfiguration,
  GetFunctionConfigurationCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import type { AwsClients } from './clients';

/** The variable changed to force new environments; the handlers ignore it. */
export const COLD_VARIABLE = 'LOADTEST_COLD_START';

/**
 * The HTTP function of a stack (its logical id starts with `Api`: serverless's
 * `ApiLambdaFunction`, the CDK's `Api…`).
 *
 * @example
 * ```ts
 * apiFunctionFromResources(response.StackResources ?? []); // 'cartoon-compute-dev-api'
 * ```
 */
export function apiFunctionFromResources(resources: readonly ResourceIds[]): string | undefined {
  return resources.find(
    (r) => r.ResourceType === 'AWS::Lambda::Function' && /^Api/i.test(r.LogicalResourceId ?? ''),
  )?.PhysicalResourceId;
}

/**
 * The aliases of a function among a stack's resources (an alias's physical id is its ARN,
 * `arn:aws:lambda:<region>:<account>:function:<function>:<alias>`). serverless.yml creates one
 * for provisioned concurrency and points the HTTP API at it.
 *
 * @example
 * ```ts
 * aliasesOf(resources, 'cartoon-compute-dev-api'); // ['provisioned']
 * ```
 */
export function aliasesOf(resources: readonly ResourceIds[], functionName: string): string[] {
  return resources
    .filter((r) => r.ResourceType === 'AWS::Lambda::Alias')
    .flatMap((r) => {
      const match = /:function:([^:]+):([^:]+)$/.exec(r.PhysicalResourceId ?? '');
      return match && match[1] === functionName && match[2] ? [match[2]] : [];
    });
}

/**
 * The log group a function writes to: its `LoggingConfig.LogGroup` (the CDK stack gives each
 * function its own, with a generated name), else Lambda's default `/aws/lambda/<name>`
 * (AWS Lambda developer guide, "Configuring CloudWatch log groups",
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html, read 2026-12).
 *
 * @example
 * ```ts
 * logGroupOf({ FunctionName: 'f', LoggingConfig: { LogGroup: 'stack-ApiLogs1234-abcd' } }); // 'stack-ApiLogs1234-abcd'
 * logGroupOf({ FunctionName: 'f' }); // '/aws/lambda/f'
 * ```
 */
export function logGroupOf(
  config: Pick<FunctionConfiguration, 'FunctionName' | 'LoggingConfig'>,
): string {
  return config.LoggingConfig?.LogGroup ?? `/aws/lambda/${config.FunctionName}`;
}

/**
 * The UpdateFunctionConfiguration input that sets the environment: every variable (Lambda
 * replaces the whole map) and the revision the variables were read at.
 *
 * @example
 * ```ts
 * environmentInput('cartoon-compute-dev-api', { BUCKET: 'b', LOADTEST_COLD_START: 'run-1' }, 'rev-1');
 * // { FunctionName: 'cartoon-compute-dev-api', Environment: { Variables: { … } }, RevisionId: 'rev-1' }
 * ```
 */
export function environmentInput(
  functionName: string,
  variables: Readonly<Record<string, string>>,
  revisionId: string | undefined,
) {
  return {
    FunctionName: functionName,
    Environment: { Variables: { ...variables } },
    ...(revisionId === undefined ? {} : { RevisionId: revisionId }),
  };
}

/** The variables with the marker set to `marker`, or removed when `marker` is undefined. */
export function withMarker(
  variables: Readonly<Record<string, string>>,
  marker: string | undefined,
): Record<string, string> {
  const { [COLD_VARIABLE]: _old, ...rest } = variables;
  return marker === undefined ? rest : { ...rest, [COLD_VARIABLE]: marker };
}

export interface LambdaTiming {
  /** The waiter's first delay and its cap, s (the SDK's defaults are 1 and 300). */
  readonly minDelayS: number;
  readonly maxDelayS: number;
  /** How long an update may take, s. */
  readonly maxWaitS: number;
  /** Conflicts waited out before giving up. */
  readonly conflictRetries: number;
}

export const LAMBDA_TIMING: LambdaTiming = {
  minDelayS: 1,
  maxDelayS: 10,
  maxWaitS: 300,
  conflictRetries: 5,
};

/** Lambda cannot decrypt the function's variables: updating them would wipe them. */
export class EnvironmentUnreadableError extends Error {
  override name = 'EnvironmentUnreadableError';
}

/**
 * Waits until no update of the function is in progress.
 *
 * @example
 * ```ts
 * await waitUntilUpdated(clients, 'cartoon-compute-dev-api', LAMBDA_TIMING);
 * ```
 * @throws when the last update failed (with Lambda's reason) or the wait timed out.
 */
export async function waitUntilUpdated(
  clients: Pick<AwsClients, 'lambda'>,
  FunctionName: string,
  timing: LambdaTiming,
): Promise<void> {
  try {
    await waitUntilFunctionUpdatedV2(
      {
        client: clients.lambda,
        minDelay: timing.minDelayS,
        maxDelay: timing.maxDelayS,
        maxWaitTime: timing.maxWaitS,
      },
      { FunctionName },
    );
  } catch (err) {
    const reason = (err as { message?: string }).message ?? String(err);
    throw new Error(`${FunctionName}: waiting for its configuration update: ${reason}`);
  }
}

const RETRYABLE_UPDATE_ERRORS = ['ResourceConflictException', 'PreconditionFailedException'];

/**
 * Sets the function's variables to `change(current)`: waits for any update in progress, reads
 * the variables and their revision, updates, and waits for the update to finish. A conflict or
 * a revision changed meanwhile is waited out and tried again.
 *
 * @example
 * ```ts
 * await updateVariables(clients, fn, (vars) => withMarker(vars, 'run-1'), LAMBDA_TIMING);
 * ```
 * @throws {EnvironmentUnreadableError} when Lambda answers `Environment.Error`.
 */
export async function updateVariables(
  clients: Pick<AwsClients, 'lambda'>,
  FunctionName: string,
  change: (current: Readonly<Record<string, string>>) => Record<string, string>,
  timing: LambdaTiming,
): Promise<{ attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    await waitUntilUpdated(clients, FunctionName, timing);
    const config = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName }));
    const error = config.Environment?.Error;
    if (error !== undefined) {
      throw new EnvironmentUnreadableError(
        `${FunctionName}: Lambda cannot read its environment variables (${error.ErrorCode ?? 'error'}: ${error.Message ?? ''}); updating them would replace them`,
      );
    }
    try {
      await clients.lambda.send(
        new UpdateFunctionConfigurationCommand(
          environmentInput(
            FunctionName,
            change(config.Environment?.Variables ?? {}),
            config.RevisionId,
          ),
        ),
      );
    } catch (err) {
      const name = (err as { name?: string }).name ?? '';
      if (RETRYABLE_UPDATE_ERRORS.includes(name) && attempt <= timing.conflictRetries) continue;
      throw err;
    }
    await waitUntilUpdated(clients, FunctionName, timing);
    return { attempts: attempt };
  }
}

/** What forcing did, and how to put the function back. */
export interface ForcedCold {
  readonly cold: boolean;
  readonly how: string;
}

/**
 * Forces new environments of the function behind a variant's HTTP API, unless an alias is in
 * front of it or its variables cannot be read.
 *
 * @example
 * ```ts
 * await forceNewEnvironments(clients, 'cartoon-compute-dev-api', [], LAMBDA_TIMING);
 * // { cold: true, how: 'LOADTEST_COLD_START changed by UpdateFunctionConfiguration: …' }
 * ```
 */
export async function forceNewEnvironments(
  clients: Pick<AwsClients, 'lambda'>,
  functionName: string,
  aliases: readonly string[],
  timing: LambdaTiming,
  marker = new Date().toISOString(),
): Promise<ForcedCold> {
  if (aliases.length > 0) {
    return {
      cold: false,
      how:
        `not forced: the HTTP API calls alias ${aliases.join(', ')} of ${functionName} ` +
        '(provisioned concurrency), which a changed $LATEST does not reach',
    };
  }
  try {
    const { attempts } = await updateVariables(
      clients,
      functionName,
      (vars) => withMarker(vars, marker),
      timing,
    );
    const retried = attempts > 1 ? `, after ${attempts - 1} conflicting update(s) waited out` : '';
    return {
      cold: true,
      how: `${COLD_VARIABLE} changed by UpdateFunctionConfiguration: every environment replaced${retried}`,
    };
  } catch (err) {
    if (err instanceof EnvironmentUnreadableError) {
      return { cold: false, how: `not forced: ${err.message}` };
    }
    throw err;
  }
}

/**
 * Removes the marker variable, leaving every other variable as it is now.
 *
 * @example
 * ```ts
 * await removeMarker(clients, 'cartoon-compute-dev-api', LAMBDA_TIMING);
 * ```
 */
export async function removeMarker(
  clients: Pick<AwsClients, 'lambda'>,
  functionName: string,
  timing: LambdaTiming,
): Promise<void> {
  await updateVariables(clients, functionName, (vars) => withMarker(vars, undefined), timing);
}
