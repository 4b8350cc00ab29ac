/**
 * Everything the api function's S3 routes use (`POST /uploads`, `GET /cartoons/{id}`): the
 * store and the presigner. The api function loads this module on first use (on-demand.ts),
 * and the function build puts it in a file of its own (scripts/build-functions.ts), so the
 * AWS SDK is neither read nor run by a cold start whose request is `POST /cartoon`.
 */
import type { ImageStore } from '@cartoon-compute/core';
import type { ServiceConfig } from './config';
import { type Presigner, s3Presigner } from './presigner';
import { presigningClient, s3Store } from './s3-store';

export interface S3Access {
  readonly store: ImageStore;
  readonly presigner: Presigner;
}

/**
 * The store, and the presigner on a client of its own (see `presigningClient`).
 *
 * @example
 * ```ts
 * const { presigner } = s3Access(config);
 * const url = await presigner.downloadUrl('cartoons/x.jpg', 300);
 * ```
 */
export function s3Access(config: ServiceConfig): S3Access {
  return {
    store: s3Store(config).store,
    presigner: s3Presigner(presigningClient(config), config.bucket),
  };
}
