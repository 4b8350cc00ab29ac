/**
 * `api`: every route of the HTTP contract behind API Gateway's HTTP API (payload format 2.0).
 * Binary bodies arrive and leave base64-encoded.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { type ApiRequest, createApi } from '../shared/cartoon-api';
import { invocationDeadline } from '../shared/invocation-deadline';
import { environment, withMiddleware } from '../shared/lambda';
import { s3OnDemand } from '../shared/on-demand';

const { config, logger, takeColdStart } = environment(process.env);
// Loaded by the first request to an S3 route: POST /cartoon, the cold start that counts, never
// reads S3.
const { store, presigner } = s3OnDemand(config);
// Every call says whether it is the cold start (ApiCall.coldStart); this is never asked.
const api = createApi({ config, store, logger, presigner, coldStart: () => false });

/** HTTP API v2 event → the transport-neutral request. */
export function toApiRequest(event: APIGatewayProxyEventV2): ApiRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined) query[name] = value;
  }
  const body = event.body ?? '';
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    query,
    headers,
    body: Buffer.from(body, event.isBase64Encoded ? 'base64' : 'utf8'),
  };
}

const lambdaHandler = async (
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyResultV2> => {
  // Taken before anything is awaited: invocations that overlap (LMI) must not all say cold.
  const coldStart = takeColdStart();
  const response = await api(toApiRequest(event), {
    coldStart,
    signal: invocationDeadline(context),
  });
  const binary = Buffer.isBuffer(response.body);
  return {
    statusCode: response.statusCode,
    headers: response.headers,
    body: binary ? (response.body as Buffer).toString('base64') : (response.body as string),
    isBase64Encoded: binary,
  };
};

export const handler = withMiddleware(lambdaHandler, logger);
