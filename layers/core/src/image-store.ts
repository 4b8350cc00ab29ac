/**
 * The object-storage port. The core and the adapters talk to stored images (uploads, results)
 * only through {@link ImageStore}; the S3 implementation lives in `s3-image-store.ts` so that
 * nothing here imports an SDK, and tests can hand in any implementation.
 */

/** An object read back from the store. */
export interface StoredImage {
  /** The object's bytes, exactly as they were put. */
  readonly bytes: Buffer;
  /** The `Content-Type` given when the object was put (`application/octet-stream` if none). */
  readonly contentType: string;
  /** User metadata. S3-like stores lowercase the keys. */
  readonly metadata: Readonly<Record<string, string>>;
  /** The entity tag as the store reports it (for S3, a quoted string such as `"9b2c..."`). */
  readonly etag: string;
}

/** What {@link ImageStore.head} reports: everything in {@link StoredImage} except the bytes. */
export interface StoredImageInfo extends Omit<StoredImage, 'bytes'> {
  /** Size of the object in bytes. */
  readonly contentLength: number;
}

/** Options for {@link ImageStore.put}. */
export interface PutImageOptions {
  /** Stored with the object and returned by `get` and `head`. */
  readonly contentType: string;
  /**
   * User metadata. Keys should be lowercase (S3 lowercases them) and values US-ASCII, because
   * they travel as HTTP headers.
   */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** What {@link ImageStore.put} returns. */
export interface PutImageResult {
  /** The entity tag of the object just written. */
  readonly etag: string;
}

/**
 * Reads and writes images by key. `put` on an existing key replaces the object, as S3 does.
 *
 * Keys must pass {@link assertImageKey}; an invalid key is a programming error and rejects
 * with a `TypeError` before any request is made. Adapters validate keys that come from users
 * (and answer 400) before they reach a store.
 *
 * @example
 * ```ts
 * async function copyUpload(store: ImageStore, from: string, to: string): Promise<string> {
 *   const image = await store.get(from); // NotFoundError (404) if `from` does not exist
 *   const { etag } = await store.put(to, image.bytes, { contentType: image.contentType });
 *   return etag;
 * }
 * ```
 */
export interface ImageStore {
  /**
   * Reads a whole object into memory.
   *
   * @throws NotFoundError when no object has this key.
   * @throws TypeError when the key is invalid.
   * @example
   * ```ts
   * const { bytes, contentType } = await store.get('uploads/photo.jpg');
   * ```
   */
  get(key: string): Promise<StoredImage>;

  /**
   * Reads an object's size, type, metadata and entity tag without its bytes.
   *
   * @throws NotFoundError when no object has this key.
   * @throws TypeError when the key is invalid.
   * @example
   * ```ts
   * const { contentLength } = await store.head('uploads/photo.jpg');
   * ```
   */
  head(key: string): Promise<StoredImageInfo>;

  /**
   * Writes an object, replacing any object with the same key.
   *
   * @throws TypeError when the key is invalid.
   * @example
   * ```ts
   * const { etag } = await store.put('results/photo.webp', webp, {
   *   contentType: 'image/webp',
   *   metadata: { style: 'comic' },
   * });
   * ```
   */
  put(key: string, bytes: Buffer | Uint8Array, options: PutImageOptions): Promise<PutImageResult>;

  /**
   * The first key (in key order) that starts with `prefix`, or `undefined` when none does.
   *
   * @example
   * ```ts
   * const upload = await store.firstKey('uploads/3f2c9a1e-');
   * ```
   */
  firstKey(prefix: string): Promise<string | undefined>;
}

/** S3's limit on the length of an object key, in UTF-8 bytes. */
export const MAX_IMAGE_KEY_BYTES = 1024;

/**
 * Throws a `TypeError` unless `key` is a usable object key: 1 to {@link MAX_IMAGE_KEY_BYTES}
 * UTF-8 bytes, no control characters (U+0000-U+001F, U+007F-U+009F) and no `..` path segment
 * (stores may be mirrored to file systems, and such keys are almost always an attack).
 * Every {@link ImageStore} implementation calls this before making a request.
 *
 * @example
 * ```ts
 * assertImageKey('uploads/my photo ü.jpg'); // fine
 * assertImageKey('uploads/../secrets');     // TypeError
 * ```
 */
export function assertImageKey(key: string): void {
  if (typeof key !== 'string') {
    throw new TypeError(`Expected a string for image key but received ${typeof key}`);
  }
  if (key.length === 0) {
    throw new TypeError('Expected a non-empty string for image key but received an empty string');
  }
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_IMAGE_KEY_BYTES) {
    throw new TypeError(
      `Expected at most ${MAX_IMAGE_KEY_BYTES} UTF-8 bytes for image key but received ${bytes}`,
    );
  }
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      throw new TypeError(
        `Expected no control characters in image key but received U+${code
          .toString(16)
          .toUpperCase()
          .padStart(4, '0')} at index ${i}`,
      );
    }
  }
  if (key.split('/').includes('..')) {
    throw new TypeError("Expected no '..' segment in image key but received one");
  }
}
