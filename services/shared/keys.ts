/**
 * Where things live in a variant's bucket. Uploads under `uploads/` trigger processing;
 * results go to `cartoons/` and failure records to `failed/`, which never trigger anything,
 * so processing cannot trigger itself.
 */
import { assertImageKey } from '@cartoon-compute/core';

export const UPLOADS = 'uploads/';
export const CARTOONS = 'cartoons/';
export const FAILED = 'failed/';

/** Upload suffixes that trigger processing (the S3 notification filters use the same list). */
export const IMAGE_SUFFIXES = ['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif'];

export const SUFFIX_BY_CONTENT_TYPE: Readonly<Record<string, string>> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/webp': '.webp',
  'image/gif': '.gif',
  'image/tiff': '.tiff',
  'image/avif': '.avif',
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

/** Whether a key is an upload this service processes: under `uploads/`, an image suffix, valid. */
export function isProcessableUpload(key: string): boolean {
  if (!key.startsWith(UPLOADS) || key.length === UPLOADS.length) return false;
  if (!IMAGE_SUFFIXES.some((suffix) => key.toLowerCase().endsWith(suffix))) return false;
  try {
    assertImageKey(key);
    return true;
  } catch {
    return false;
  }
}

/** `uploads/a/b photo.png` → `a/b photo`: the upload's name without prefix and suffix. */
function stem(uploadKey: string): string {
  const name = uploadKey.slice(UPLOADS.length);
  const dot = name.lastIndexOf('.');
  return dot > name.lastIndexOf('/') ? name.slice(0, dot) : name;
}

/** Where the cartoon of an upload goes: `uploads/x.png` → `cartoons/x.jpg`. */
export function resultKey(uploadKey: string): string {
  return `${CARTOONS}${stem(uploadKey)}.jpg`;
}

/** Where the failure record of an upload goes: `uploads/x.png` → `failed/x.json`. */
export function failedKey(uploadKey: string): string {
  return `${FAILED}${stem(uploadKey)}.json`;
}
