/**
 * The headers a browser sets itself on a presigned PUT (`POST /uploads` lists them all), which
 * the bucket's CORS rule must allow. `content-length` is the browser's own to set (a forbidden
 * request header), so a preflight never asks for it.
 */
import { UPLOAD_CONDITION } from '../../services/shared/upload-condition';

export const BROWSER_UPLOAD_HEADERS: readonly string[] = [
  'content-type',
  'x-amz-meta-style',
  ...Object.keys(UPLOAD_CONDITION),
];
