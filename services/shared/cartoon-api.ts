import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  ACCEPTED_CONTENT_TYPES,
  BadRequestError,
  type CartoonResult,
  cartoonize,
  type ImageStore,
  MethodNotAllowedError,
  NotFoundError,
  OPTION_RANGES,
  OUTPUT_FORMATS,
  PayloadTooLargeError,
  resolveOptions,
  STYLES,
  toCartoonError,
  UnsupportedMediaTypeError,
} from '@cartoon-compute/core';
import type { ServiceConfig } from './config';
import { readFailureRecord, stillRetrying } from './failure-record';
import { CARTOONS, FAILED, isUploadId, resultKey, SUFFIX_BY_CONTENT_TYPE, UPLOADS } from './keys';
import { bucketOrigin, contentSecurityPolicy, inlineHashes } from './page-policy';
import type { Presigner } from './presigner';
import { UPLOAD_CONDITION } from './upload-condition';
import { WEB_PAGE } from './web-page.generated';

/** An HTTP request as every front door (API Gateway, the Fargate server) hands it over. */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface ApiResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  /** A Buffer for image bytes, a string for JSON. */
  readonly body: Buffer | string;
}

/** What one call of the API knows about its invocation. */
export interface ApiCall {
  /** Whether this request is its environment's cold start; else `ApiDeps.coldStart()`. */
  readonly coldStart?: boolean;
  /** The invocation's deadline: image work stops with a 504 once it fires. */
  readonly signal?: AbortSignal;
}

export interface ApiDeps {
  readonly config: ServiceConfig;
  readonly store: ImageStore;
  readonly presigner: Presigner;
  readonly logger: Logger;
  /** Whether this request is the first one of this process (an environment's cold start). */
  readonly coldStart: () => boolean;
}

/** Where a 413 sends the client; exported so every front door's 413 says the same. */
export const HINT =
  'send larger images with POST /uploads and fetch the result from GET /cartoons/{id}';
/** Quality of the JPEG fallback when the requested format does not fit in a sync response. */
const FALLBACK_QUALITY = 70;

function json(statusCode: number, value: unknown): ApiResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(value),
  };
}

/**
 * The one HTTP contract of every variant (see DESIGN.md), independent of the front door.
 *
 * @example
 * ```ts
 * const api = createApi(deps);
 * const response = await api({ method: 'GET', path: '/health', query: {}, headers: {}, body: Buffer.alloc(0) });
 * ```
 */
export function createApi(
  deps: ApiDeps,
): (request: ApiRequest, call?: ApiCall) => Promise<ApiResponse> {
  // Worked out on the first GET /, not at init: most environments never serve the page.
  let policy: string | undefined;
  const pagePolicy = () => {
    policy ??= contentSecurityPolicy({
      hashes: inlineHashes(WEB_PAGE),
      origins: [bucketOrigin(deps.config)],
    });
    return policy;
  };
  const routes: Record<
    string,
    Partial<Record<string, (r: ApiRequest, call: ApiCall) => Promise<ApiResponse>>>
  > = {
    '/': { GET: async () => page(pagePolicy()) },
    '/health': { GET: async () => health(deps) },
    '/styles': { GET: async () => json(200, styles()) },
    '/cartoon': { POST: (request, call) => cartoon(request, deps, call) },
    '/uploads': { POST: (request) => upload(request, deps) },
  };
  return async (request, call = {}) => nosniff(await answer(request, call));
  async function answer(request: ApiRequest, call: ApiCall): Promise<ApiResponse> {
    try {
      const id = /^\/cartoons\/([^/]+)$/.exec(request.path)?.[1];
      const route = id === undefined ? routes[request.path] : { GET: () => status(id, deps) };
      if (!route) throw new NotFoundError(`No route ${request.method} ${request.path}`);
      const handle = route[request.method];
      if (!handle) {
        throw new MethodNotAllowedError(
          `${request.path} answers ${Object.keys(route).join(', ')}, not ${request.method}`,
        );
      }
      return await handle(request, call);
    } catch (err) {
      return errorResponse(err, deps.logger);
    }
  }
}

/** Browsers take every answer as the type it says it is (an upload is never run as a script). */
function nosniff(response: ApiResponse): ApiResponse {
  return {
    ...response,
    headers: { ...response.headers, 'x-content-type-options': 'nosniff' },
  };
}

/** `{ error: { code, message } }` with the error's status; internals stay in the logs. */
export function errorResponse(err: unknown, logger: Logger): ApiResponse {
  const error = toCartoonError(err);
  if (error.expose) {
    logger.info('request refused', { status: error.statusCode, code: error.code });
  } else {
    logger.error('request failed', { error: err as Error });
  }
  return json(error.statusCode, {
    error: { code: error.code, message: error.expose ? error.message : 'Internal error' },
  });
}

/**
 * The web page (web/, bundled into web-page.generated.ts): it talks to this same origin, so the
 * API needs no CORS for it; only the bucket's CORS rule (corsOrigin) must allow this origin.
 * Its policy allows its own inline script and style by hash, this origin and the bucket.
 */
function page(policy: string): ApiResponse {
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': policy,
    },
    body: WEB_PAGE,
  };
}

function health({ config }: ApiDeps): ApiResponse {
  return json(200, { status: 'ok', variant: config.variant, version: config.version });
}

function styles() {
  return {
    styles: Object.values(STYLES).map(({ name, description, fill, ink: _ink, ...defaults }) => ({
      name,
      description,
      defaults,
    })),
    options: {
      ...OPTION_RANGES,
      format: { values: OUTPUT_FORMATS, default: 'jpeg' },
    },
  };
}

function mediaType(headers: ApiRequest['headers']): string {
  return (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

async function cartoon(request: ApiRequest, deps: ApiDeps, call: ApiCall): Promise<ApiResponse> {
  const { config } = deps;
  const type = mediaType(request.headers);
  if (!(ACCEPTED_CONTENT_TYPES as readonly string[]).includes(type)) {
    throw new UnsupportedMediaTypeError(
      `Content-Type must be one of ${ACCEPTED_CONTENT_TYPES.join(', ')}`,
    );
  }
  if (request.body.length > config.maxSyncBytes) {
    throw new PayloadTooLargeError(`Image is larger than ${config.maxSyncBytes} bytes; ${HINT}`);
  }
  const limits = { ...config.limits, maxBytes: config.maxSyncBytes };
  const deadline = call.signal === undefined ? {} : { signal: call.signal };
  let result = await cartoonize(request.body, request.query, limits, deadline);
  if (result.data.length > config.maxSyncBytes) {
    // The answer must fit in the same payload limit: fall back to a smaller JPEG once.
    result = await cartoonize(
      request.body,
      { ...request.query, format: 'jpeg', quality: String(FALLBACK_QUALITY) },
      limits,
      deadline,
    );
    if (result.data.length > config.maxSyncBytes) {
      throw new PayloadTooLargeError(`The cartoon is too large for a direct answer; ${HINT}`);
    }
  }
  return {
    statusCode: 200,
    headers: {
      'content-type': result.contentType,
      'x-cartoon-variant': config.variant,
      'x-cold-start': String(call.coldStart ?? deps.coldStart()),
      'server-timing': serverTiming(result),
    },
    body: result.data,
  };
}

function serverTiming(result: CartoonResult): string {
  return Object.entries(result.timings)
    .map(([stage, ms]) => `${stage};dur=${ms}`)
    .join(', ');
}

interface UploadRequest {
  contentType: string;
  contentLength: number;
  style?: string;
}

function parseUploadRequest(body: Buffer, maxBytes: number): UploadRequest {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadRequestError('Body must be JSON: { "contentType", "contentLength", "style"? }');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BadRequestError('Body must be a JSON object');
  }
  const { contentType, contentLength, style } = value as Record<string, unknown>;
  const types = Object.keys(SUFFIX_BY_CONTENT_TYPE);
  if (contentType === undefined) throw new BadRequestError('contentType is required');
  if (typeof contentType !== 'string' || !types.includes(contentType)) {
    throw new UnsupportedMediaTypeError(`contentType must be one of ${types.join(', ')}`);
  }
  if (contentLength === undefined) throw new BadRequestError('contentLength is required');
  if (typeof contentLength !== 'number' || !Number.isInteger(contentLength) || contentLength < 1) {
    throw new BadRequestError('contentLength must be a positive integer (bytes)');
  }
  if (contentLength > maxBytes) {
    throw new PayloadTooLargeError(`contentLength is over the ${maxBytes}-byte limit`);
  }
  if (style !== undefined) resolveOptions({ style });
  return { contentType, contentLength, ...(typeof style === 'string' ? { style } : {}) };
}

async function upload(request: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  const { config } = deps;
  const { contentType, contentLength, style } = parseUploadRequest(
    request.body,
    config.maxUploadBytes,
  );
  const id = randomUUID();
  const key = `${UPLOADS}${id}${SUFFIX_BY_CONTENT_TYPE[contentType]}`;
  const metadata: Record<string, string> = style === undefined ? {} : { style };
  const url = await deps.presigner.uploadUrl({
    key,
    contentType,
    contentLength,
    metadata,
    ttlSeconds: config.urlTtlSeconds,
  });
  // Every header the URL signs: a PUT without one of them, or with another value, is refused.
  // `if-none-match: *` makes the URL single-use (the key is written once).
  const headers: Record<string, string> = {
    'content-type': contentType,
    'content-length': String(contentLength),
    ...UPLOAD_CONDITION,
  };
  for (const [name, value] of Object.entries(metadata)) headers[`x-amz-meta-${name}`] = value;
  return json(201, {
    id,
    key,
    upload: {
      method: 'PUT',
      url,
      headers,
      expiresAt: expiry(config.urlTtlSeconds),
    },
    result: { key: resultKey(key), status: `/cartoons/${id}` },
  });
}

function expiry(ttlSeconds: number): string {
  return new Date(Date.now() + ttlSeconds * 1000).toISOString();
}

/**
 * Results and failure records keep the upload's whole name (`cartoons/<id>.png.jpg`), so they
 * are found by the id prefix rather than rebuilt from a suffix; that also finds a result after
 * its upload has expired (uploads are kept for days, results for weeks).
 */
async function status(id: string, deps: ApiDeps): Promise<ApiResponse> {
  if (!isUploadId(id)) throw new BadRequestError('Expected an id returned by POST /uploads');
  const { store, config } = deps;
  const done = await store.firstKey(`${CARTOONS}${id}.`);
  if (done !== undefined) {
    const result = await store.head(done);
    return json(200, {
      id,
      status: 'done',
      url: await deps.presigner.downloadUrl(done, config.urlTtlSeconds),
      expiresAt: expiry(config.urlTtlSeconds),
      contentType: result.contentType,
      style: result.metadata.style,
    });
  }
  const failed = await store.firstKey(`${FAILED}${id}.`);
  if (failed !== undefined) {
    const record = await readFailureRecord(store, failed);
    if (stillRetrying(record)) {
      // A transient failure with attempts left: the platform is running the upload again.
      return json(200, {
        id,
        status: 'pending',
        retrying: true,
        attempts: record.attempts,
        retryUntil: record.retryUntil,
        error: record.error,
      });
    }
    return json(200, { id, status: 'failed', error: record.error });
  }
  if ((await store.firstKey(`${UPLOADS}${id}.`)) !== undefined) {
    return json(200, { id, status: 'pending' });
  }
  throw new NotFoundError('No upload with this id');
}
