/**
 * Requests to a real HTTP server, answered as a `ContractReply` (status, lower-case headers,
 * body bytes), for the contract table and the fargate tests.
 */
import type { ContractReply } from './api-contract';
import type { HttpRequest } from './lambda-events';

/**
 * @example
 * ```ts
 * const reply = await httpCall('http://127.0.0.1:8080', { method: 'GET', url: '/health' });
 * ```
 */
export async function httpCall(baseUrl: string, request: HttpRequest): Promise<ContractReply> {
  const response = await fetch(new URL(request.url, baseUrl), {
    method: request.method,
    headers: request.headers ?? {},
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return {
    statusCode: response.status,
    headers,
    body: Buffer.from(await response.arrayBuffer()),
  };
}
