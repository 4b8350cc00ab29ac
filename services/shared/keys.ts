/**
 * Where things live in a variant's bucket. Uploads under `uploads/` trigger processing;
 * results go to `cartoons/` and failure records to `failed/`, which never trigger anything,
 * so processing cannot trigger itself.
 */
import { assertImageKey } from '@cartoon-compute/core';

export const UPLOADS = 'uploads/';
export const CARTOONS = 'cartoons/';
export const FAILED = 'failed/';

/** The suffix `POST /uploads` gives an upload key, by its declared content type. */
export const SUFFIX_BY_CONTENT_TYPE: Readonly<Record<string, string>> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/webp': '.webp',
  'image/gif': '.gif',
  'image/tiff': '.tiff',
  'image/avif': '.avif',
  'image/heic': '.heic',
  'image/heif': '.heif',
};

/** Ids handed out by `POST /uploads`: a random UUID. Anything else in a path is refused. */
const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUploadId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** S3 event records URL-encode keys, with `+` for a space. */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/**
 * Whether a key is an upload this service processes: a valid object key under `uploads/`
 * that is not a "folder" marker (the S3 console writes `uploads/photos/` as an empty object).
 *
 * The suffix does not decide. S3 notification filters match suffixes case-sensitively, so a
 * `.jpg` rule never fires for a camera's `IMG_0001.JPG`; every deployment triggers on the
 * `uploads/` prefix alone and the core decides from the bytes. A file that is not an image we
 * accept ends as a `failed/` record that says so, instead of being silently ignored.
 */
export function isProcessableUpload(key: string): boolean {
  if (!key.startsWith(UPLOADS) || key.endsWith('/')) return false;
  try {
    assertImageKey(key);
    return true;
  } catch {
    return false;
  }
}

/** `uploads/a/b photo.png` → `a/b photo.png`: the upload's name below the prefix. */
function uploadName(uploadKey: string): string {
  return uploadKey.slice(UPLOADS.length);
}

/**
 * Where the cartoon of an upload goes: `uploads/a/cat.png` → `cartoons/a/cat.png.jpg`.
 * The whole upload name is kept, suffix included, so `cat.jpg` and `cat.png` (or `a/cat.jpg`
 * and `b/cat.jpg`) never share a result: the mapping is one-to-one and can be computed from
 * the upload key alone.
 */
export function resultKey(uploadKey: string): string {
  return `${CARTOONS}${uploadName(uploadKey)}.jpg`;
}

/** Where the failure record of an upload goes: `uploads/a/cat.png` → `failed/a/cat.png.json`. */
export function failedKey(uploadKey: string): string {
  return `${FAILED}${uploadName(uploadKey)}.json`;
}
