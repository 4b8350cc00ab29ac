/**
 * API Gateway HTTP API payload format 2.0, both ways (API Gateway developer guide, "Create AWS
 * Lambda proxy integrations for HTTP APIs", 2026-11): the event a route's function receives,
 * built from a plain HTTP request, and the HTTP response read back from what it returned.
 */
import { randomBytes } from 'node:crypto';

/** A request as the front door received it. */
export interface IncomingRequest {
  readonly method: string;
  /** Path and query exactly as sent: `/cartoon?style=comic`. */
  readonly url: string;
  /** Node's rawHeaders: name, value, name, value… in arrival order. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly protocol: string;
}

/** The route that matched, and its path parameters. */
export interface RouteMatch {
  readonly routeKey: string;
  readonly pathParameters?: Record<string, string>;
}

export interface ApiContext {
  readonly accountId: string;
  readonly apiId: string;
  readonly domainName: string;
}

/** The 2.0 event; typed loosely on purpose, it is serialised straight away. */
export interface HttpApiEventV2 {
  readonly version: '2.0';
  readonly routeKey: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly cookies?: string[];
  readonly headers: Record<string, string>;
  readonly queryStringParameters?: Record<string, string>;
  readonly pathParameters?: Record<string, string>;
  readonly requestContext: Record<string, unknown>;
  readonly body?: string;
  readonly isBase64Encoded: boolean;
}

/**
 * Whether API Gateway passes a body of this type as text; anything else is base64-encoded
 * with `isBase64Encoded: true`.
 *
 * @example
 * ```ts
 * isTextType('application/json; charset=utf-8'); // true
 * isTextType('image/jpeg'); // false
 * ```
 */
export function isTextType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    type.startsWith('text/') ||
    ['application/json', 'application/xml', 'application/javascript'].includes(type) ||
    type.endsWith('+json') ||
    type.endsWith('+xml')
  );
}

/** `28/Nov/2026:15:00:00 +0000`, API Gateway's requestContext.time. */
function apiGatewayTime(date: Date): string {
  const months = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** An id shaped like API Gateway's (`JbhQqiDjIAMEVaQ=`). */
export function apiRequestId(): string {
  return randomBytes(10).toString('base64');
}

/**
 * The 2.0 event for a request: headers lower-cased with repeats comma-joined, cookies moved
 * to `cookies`, the query both raw and parsed (repeats comma-joined), binary bodies base64.
 *
 * @example
 * ```ts
 * const event = httpApiEvent(request, { routeKey: 'POST /cartoon' }, context, 'JbhQqiDjIAMEVaQ=');
 * ```
 */
export function httpApiEvent(
  request: IncomingRequest,
  route: RouteMatch,
  context: ApiContext,
  requestId: string,
  now: Date = new Date(),
): HttpApiEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = (request.rawHeaders[i] ?? '').toLowerCase();
    const value = request.rawHeaders[i + 1] ?? '';
    if (name === 'cookie') {
      cookies.push(...value.split(/;\s*/).filter(Boolean));
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const question = request.url.indexOf('?');
  const rawPath = question < 0 ? request.url : request.url.slice(0, question);
  const rawQueryString = question < 0 ? '' : request.url.slice(question + 1);
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    query[name] = name in query ? `${query[name]},${value}` : value;
  }
  const text = isTextType(headers['content-type']);
  const hasBody = request.body.length > 0;
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(route.pathParameters ? { pathParameters: route.pathParameters } : {}),
    requestContext: {
      accountId: context.accountId,
      apiId: context.apiId,
      domainName: context.domainName,
      domainPrefix: context.domainName.split('.')[0],
      http: {
        method: request.method,
        path: safeDecode(rawPath),
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    ...(hasBody ? { body: request.body.toString(text ? 'utf8' : 'base64') } : {}),
    isBase64Encoded: hasBody && !text,
  };
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * Finds the route for a request: exact routes first, then those with `{param}`, then greedy
 * `{proxy+}`, `ANY` after a method, `$default` last, as API Gateway prioritises them.
 *
 * @example
 * ```ts
 * matchRoute(['GET /cartoons/{id}'], 'GET', '/cartoons/abc');
 * // { routeKey: 'GET /cartoons/{id}', pathParameters: { id: 'abc' } }
 * ```
 */
export function matchRoute(
  routeKeys: readonly string[],
  method: string,
  path: string,
): RouteMatch | undefined {
  const segments = path.split('/').slice(1);
  const score = (key: string) =>
    (key.startsWith('ANY ') ? 1 : 0) + (key.includes('+}') ? 4 : key.includes('{') ? 2 : 0);
  const candidates = routeKeys.filter((k) => k !== '$default').sort((a, b) => score(a) - score(b));
  for (const key of candidates) {
    const [routeMethod = '', routePath = ''] = key.split(' ');
    if (routeMethod !== 'ANY' && routeMethod !== method) continue;
    const parts = routePath.split('/').slice(1);
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length; i += 1) {
      const part = parts[i] ?? '';
      const greedy = /^\{(.+)\+\}$/.exec(part);
      if (greedy?.[1]) {
        const rest = segments.slice(i).join('/');
        if (rest === '') ok = false;
        else params[greedy[1]] = safeDecode(rest);
        break;
      }
      const segment = segments[i];
      if (segment === undefined || (i === parts.length - 1 && segments.length > parts.length)) {
        ok = false;
        break;
      }
      const param = /^\{(.+)\}$/.exec(part);
      if (param?.[1]) params[param[1]] = safeDecode(segment);
      else if (part !== segment) {
        ok = false;
        break;
      }
    }
    if (ok)
      return { routeKey: key, ...(Object.keys(params).length ? { pathParameters: params } : {}) };
  }
  return routeKeys.includes('$default') ? { routeKey: '$default' } : undefined;
}

/** An HTTP response to send. */
export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly cookies: readonly string[];
  readonly body: Buffer;
}

/**
 * Reads a function's 2.0 response. With a `statusCode` it is structured (headers, cookies,
 * body, isBase64Encoded); any other JSON answer is sent as a 200 `application/json` body (a
 * string as itself), which is how API Gateway infers a response. Undefined when the answer
 * cannot be a response: not JSON, a bad statusCode, `headers` not an object or `body` not a
 * string (API Gateway then answers 500).
 *
 * @example
 * ```ts
 * const response = readHttpApiResponse(result.payload);
 * ```
 */
export function readHttpApiResponse(payload: Buffer): HttpResponse | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  const inferred = (body: string): HttpResponse => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(body),
  });
  if (typeof value === 'string') return inferred(value);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return inferred(JSON.stringify(value));
  }
  const structured = value as Record<string, unknown>;
  if (structured.statusCode === undefined) return inferred(JSON.stringify(value));
  const statusCode = Number(structured.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return undefined;
  // The 2.0 response format has `headers` as a map of header values and `body` as a string
  // (API Gateway developer guide, "Create AWS Lambda proxy integrations for HTTP APIs",
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html,
  // 2026-12); anything else is a malformed integration response, which an HTTP API answers
  // with 500 {"message":"Internal Server Error"}. A null field counts as absent, and a number or
  // boolean header value as its text: AWS documents neither (README, "cannot reproduce").
  const rawHeaders = structured.headers ?? {};
  if (typeof rawHeaders !== 'object' || Array.isArray(rawHeaders)) return undefined;
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(rawHeaders as Record<string, unknown>)) {
    if (v === null) continue;
    if (typeof v === 'object') return undefined;
    headers[name.toLowerCase()] = String(v);
  }
  const rawBody = structured.body ?? '';
  if (typeof rawBody !== 'string') return undefined;
  const body = rawBody;
  return {
    statusCode,
    headers,
    cookies: Array.isArray(structured.cookies) ? structured.cookies.map(String) : [],
    body: Buffer.from(body, structured.isBase64Encoded === true ? 'base64' : 'utf8'),
  };
}
