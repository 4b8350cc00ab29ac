/**
 * What a Lambda variant's transport costs a request before any cartoon work: the image base64
 * encoded into the JSON event (API Gateway), the event parsed and the body decoded in the
 * environment, and the cartoon the same way back. A warm POST /cartoon over bare cartoonize()
 * cannot be less than this at the phone photo, where it is several megabytes each way; timed
 * here so the report can set the measured overhead beside it.
 */

/**
 * Times the request's and the answer's base64 and JSON round trips, `iterations` times after
 * one warm-up, and answers each time in ms.
 *
 * @example
 * ```ts
 * const ms = payloadCopies(photo, cartoon, 10); // about 30 ms each for a 3.3 MB photo
 * ```
 */
export function payloadCopies(request: Buffer, answer: Buffer, iterations: number): number[] {
  const roundTrip = (bytes: Buffer) => {
    // API Gateway's side: the body into the event; the environment's: the event parsed back.
    const event = JSON.stringify({ body: bytes.toString('base64'), isBase64Encoded: true });
    const parsed = JSON.parse(event) as { body: string };
    return Buffer.from(parsed.body, 'base64').length;
  };
  const once = () => roundTrip(request) + roundTrip(answer);
  once();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    once();
    times.push(performance.now() - t);
  }
  return times;
}
