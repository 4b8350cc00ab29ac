/**
 * The request each variant is loaded with: `POST /cartoon` with the test image for the cartoon
 * variants, `GET /hello` for the trivial baseline.
 */
import type { LoadGenerator, LoadOptions } from '../node/load';
import type { VariantEndpoint } from '../target';

export interface Workload {
  readonly image: Buffer;
  readonly contentType: string;
  /** The query string of POST /cartoon, e.g. `style=comic&maxSide=640`. */
  readonly query: string;
  readonly timeoutS: number;
  /** Where the load is made: the load generator's own process (node/load.ts). */
  readonly generator: LoadGenerator;
}

/**
 * The autocannon request options for one variant.
 *
 * @example
 * ```ts
 * workload.generator.run({ ...requestFor(variant, workload), connections: 1, amount: 5 });
 * ```
 */
export function requestFor(
  variant: VariantEndpoint,
  workload: Workload,
): Pick<LoadOptions, 'url' | 'method' | 'body' | 'headers' | 'timeoutS'> {
  if (variant.url === undefined) throw new Error(`${variant.name} has no front door URL`);
  if (variant.trivial)
    return { url: `${variant.url}/hello`, method: 'GET', timeoutS: workload.timeoutS };
  return {
    url: `${variant.url}/cartoon?${workload.query}`,
    method: 'POST',
    body: workload.image,
    headers: { 'content-type': workload.contentType },
    timeoutS: workload.timeoutS,
  };
}
