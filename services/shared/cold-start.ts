/**
 * Whether an invocation is its execution environment's cold start, for `x-cold-start`.
 *
 * The flag is taken, and turned off, synchronously when an invocation starts: on Lambda
 * Managed Instances, and wherever invocations overlap, a flag turned off only when the first
 * answer is sent would let every invocation that starts before then say cold. Under LMI no
 * invocation is a cold start: environments initialize before the version takes traffic and
 * no request waits for one (AWS Lambda developer guide, "Scaling Lambda Managed Instances",
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-scaling.html, read
 * 2026-12), so every invocation says false.
 */

/**
 * A function each invocation calls once, first thing: true for the first call only, and
 * never when `multiConcurrent` (LMI).
 *
 * @example
 * ```ts
 * const takeColdStart = coldStartFlag(runtime.maxConcurrency !== undefined);
 * const handler = async (event) => answer(event, { coldStart: takeColdStart() });
 * ```
 */
export function coldStartFlag(multiConcurrent: boolean): () => boolean {
  let first = !multiConcurrent;
  return () => {
    const cold = first;
    first = false;
    return cold;
  };
}
