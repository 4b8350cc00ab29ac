/**
 * The deadline of one Lambda invocation as an AbortSignal, for `cartoonize` (which stops at
 * the next stage once it fires and throws TimedOutError, 504).
 *
 * On Lambda Managed Instances a timed-out invocation is reported as such, but its code is
 * not stopped: it keeps its share of the environment's CPU and memory while other
 * invocations run beside it (AWS Lambda developer guide, "Lambda Managed Instances execution
 * environment", https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-execution-environment.html,
 * read 2026-12). Standard Lambda freezes it instead; either way an answer given just before
 * the deadline beats one Lambda cuts off.
 */
import type { Context } from 'aws-lambda';

/**
 * Time kept back before Lambda's own deadline: enough to write a failure record to S3 and
 * return the answer (a PUT of a few hundred bytes takes tens of milliseconds in-region).
 */
export const DEADLINE_MARGIN_MS = 1000;

/**
 * A signal that fires `marginMs` before the invocation's time is up (at once when less is
 * left). Its timer does not keep the process alive.
 *
 * @example
 * ```ts
 * await cartoonize(bytes, options, limits, { signal: invocationDeadline(context) });
 * ```
 */
export function invocationDeadline(
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  marginMs: number = DEADLINE_MARGIN_MS,
): AbortSignal {
  const ms = context.getRemainingTimeInMillis() - marginMs;
  return ms > 0
    ? AbortSignal.timeout(ms)
    : AbortSignal.abort(new DOMException('The invocation has no time left', 'TimeoutError'));
}
