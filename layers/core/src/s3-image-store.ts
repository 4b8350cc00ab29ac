import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
// Through the package name, not './errors': a function bundle that inlines this module must
// still throw the layer's NotFoundError, or `instanceof` checks in the adapters would miss it.
import { NotFoundError } from '@cartoon-compute/core';
import {
  assertImageKey,
  type ImageStore,
  type PutImageOptions,
  type PutImageResult,
  type StoredImage,
  type StoredImageInfo,
} from './image-store';

export type {
  ImageStore,
  PutImageOptions,
  PutImageResult,
  StoredImage,
  StoredImageInfo,
} from './image-store';

/** Options for {@link createS3Client}. Everything else comes from the SDK's defaults. */
export interface CreateS3ClientOptions {
  readonly region?: string;
  /**
   * A non-AWS endpoint, such as a local S3-compatible server in tests
   * (`http://127.0.0.1:4566`). Leave unset for AWS.
   */
  readonly endpoint?: string;
  /** Defaults to `true` when `endpoint` is set (local servers rarely resolve bucket subdomains). */
  readonly forcePathStyle?: boolean;
  readonly credentials?: S3ClientConfig['credentials'];
  /**
   * When the SDK computes request checksums. A client that presigns PUT URLs needs
   * `WHEN_REQUIRED`: with the SDK's default (`WHEN_SUPPORTED`, since 3.729) the URL carries
   * `x-amz-checksum-crc32=AAAAAA==`, the checksum of the empty body the presigner saw, which
   * the uploaded bytes cannot match.
   */
  readonly requestChecksumCalculation?: S3ClientConfig['requestChecksumCalculation'];
}

/**
 * Creates the `S3Client` an adapter holds at module scope and hands to {@link S3ImageStore}.
 * Reads no environment itself: the adapter resolves region and endpoint and passes them in
 * (left out, the SDK falls back to its own defaults and credential chain).
 *
 * @example
 * ```ts
 * // In an adapter, once per process so that warm starts reuse the connection pool:
 * const s3 = createS3Client({ region: config.region, endpoint: config.s3Endpoint });
 * const store = new S3ImageStore({ client: s3, bucket: config.bucket });
 * ```
 */
export function createS3Client(options: CreateS3ClientOptions = {}): S3Client {
  const config: S3ClientConfig = {};
  if (options.region !== undefined) config.region = options.region;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  if (options.forcePathStyle !== undefined) config.forcePathStyle = options.forcePathStyle;
  if (options.requestChecksumCalculation !== undefined)
    config.requestChecksumCalculation = options.requestChecksumCalculation;
  if (options.endpoint !== undefined) {
    config.endpoint = options.endpoint;
    config.forcePathStyle = options.forcePathStyle ?? true;
    // Since 3.729 the SDK sends streaming uploads as `aws-chunked` with a trailing checksum
    // and validates response checksums. S3-compatible servers that do not speak aws-chunked
    // (s3rver 3.7.1, for one) store the chunk framing as if it were the object, so the bytes
    // read back are not the bytes put. Computing checksums only when an operation requires
    // them sends plain bodies, which every S3-compatible server understands. AWS itself keeps
    // the SDK default.
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  return new S3Client(config);
}

/** Options for {@link S3ImageStore}. */
export interface S3ImageStoreOptions {
  /** Created once per process, typically with {@link createS3Client}. */
  readonly client: S3Client;
  readonly bucket: string;
}

/**
 * {@link ImageStore} on Amazon S3 (or any S3-compatible server).
 *
 * A missing key becomes a {@link NotFoundError} whose message names neither the bucket nor the
 * key (the SDK error stays as its `cause`). Any other SDK failure (access denied, missing
 * bucket, throttling, network) propagates unchanged for the adapter to map. Note that S3
 * answers 403, not 404, for a missing key when the caller lacks `s3:ListBucket`, so grant it
 * for missing uploads to surface as 404. Invalid keys reject with a `TypeError` (see
 * {@link assertImageKey}) before any request.
 *
 * @example
 * ```ts
 * const store = new S3ImageStore({ client: createS3Client(), bucket: 'cartoon-uploads' });
 * await store.put('uploads/photo.png', png, { contentType: 'image/png' });
 * const { bytes } = await store.get('uploads/photo.png');
 * ```
 */
export class S3ImageStore implements ImageStore {
  readonly #client: S3Client;
  readonly #bucket: string;

  constructor(options: S3ImageStoreOptions) {
    this.#client = options.client;
    this.#bucket = options.bucket;
  }

  /**
   * Reads a whole object into memory.
   *
   * @example
   * ```ts
   * const { bytes, contentType, metadata, etag } = await store.get('uploads/photo.png');
   * ```
   */
  async get(key: string): Promise<StoredImage> {
    assertImageKey(key);
    const response = await this.#send('get', () =>
      this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key })),
    );
    if (response.Body === undefined) {
      throw new Error('S3 GetObject returned no body');
    }
    const array = await response.Body.transformToByteArray();
    return {
      bytes: Buffer.from(array.buffer, array.byteOffset, array.byteLength),
      contentType: response.ContentType ?? DEFAULT_CONTENT_TYPE,
      metadata: { ...response.Metadata },
      etag: response.ETag ?? '',
    };
  }

  /**
   * Reads an object's size, type, metadata and entity tag without its bytes.
   *
   * @example
   * ```ts
   * const { contentLength, contentType } = await store.head('uploads/photo.png');
   * ```
   */
  async head(key: string): Promise<StoredImageInfo> {
    assertImageKey(key);
    const response = await this.#send('head', () =>
      this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key })),
    );
    return {
      contentLength: response.ContentLength ?? 0,
      contentType: response.ContentType ?? DEFAULT_CONTENT_TYPE,
      metadata: { ...response.Metadata },
      etag: response.ETag ?? '',
    };
  }

  /**
   * Writes an object, replacing any object with the same key.
   *
   * @example
   * ```ts
   * const { etag } = await store.put('results/photo.webp', webp, {
   *   contentType: 'image/webp',
   *   metadata: { style: 'comic' },
   * });
   * ```
   */
  async put(
    key: string,
    bytes: Buffer | Uint8Array,
    options: PutImageOptions,
  ): Promise<PutImageResult> {
    assertImageKey(key);
    // A Buffer body (rather than a stream) has a known length, so the SDK sends it as one
    // plain request with Content-Length.
    const response = await this.#client.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        Body: bytes,
        ContentType: options.contentType,
        Metadata: options.metadata === undefined ? undefined : { ...options.metadata },
      }),
    );
    return { etag: response.ETag ?? '' };
  }

  /**
   * The first key that starts with `prefix`, in S3's key order.
   *
   * @example
   * ```ts
   * const upload = await store.firstKey('uploads/3f2c9a1e-');
   * ```
   */
  async firstKey(prefix: string): Promise<string | undefined> {
    assertImageKey(prefix);
    const response = await this.#client.send(
      new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, MaxKeys: 1 }),
    );
    return response.Contents?.[0]?.Key;
  }

  async #send<T>(operation: 'get' | 'head', request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      if (isMissingKey(err, operation)) {
        throw new NotFoundError('Stored image not found', { cause: err });
      }
      throw err;
    }
  }
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/**
 * GetObject reports a missing key as `NoSuchKey` (a missing bucket is `NoSuchBucket`, which is
 * a deployment error and must not become a 404). HeadObject responses have no body, so the SDK
 * can only say `NotFound`, for a missing key or bucket alike.
 * Matched by name rather than `instanceof` so that a second copy of the SDK still matches.
 */
function isMissingKey(err: unknown, operation: 'get' | 'head'): boolean {
  if (!(err instanceof Error)) return false;
  return err.name === 'NoSuchKey' || (operation === 'head' && err.name === 'NotFound');
}
