/**
 * The S3 client and image store of one execution environment, made from its configuration.
 * The functions whose every request reads S3 (process, queue) make them at init; the api
 * function loads this module only when an S3 route first needs it (s3-access.ts).
 */
import { createS3Client, S3ImageStore } from '@cartoon-compute/core/s3';
import type { ServiceConfig } from './config';

export interface S3Store {
  readonly client: ReturnType<typeof createS3Client>;
  readonly store: S3ImageStore;
}

/**
 * One S3 client (its connection pool survives warm starts) and the store on the variant's bucket.
 *
 * @example
 * ```ts
 * const { store } = s3Store(readConfig(process.env));
 * await store.head('uploads/photo.jpg');
 * ```
 */
export function s3Store(config: ServiceConfig): S3Store {
  const client = createS3Client(clientOptions(config));
  return { client, store: new S3ImageStore({ client, bucket: config.bucket }) };
}

/**
 * A client for presigning upload URLs only: it computes no request checksum, so a URL does not
 * carry the checksum of the empty body the presigner saw (see `createS3Client`). The store's
 * client keeps the SDK's default, which checks the bytes this code itself puts.
 *
 * @example
 * ```ts
 * const presigner = s3Presigner(presigningClient(config), config.bucket);
 * ```
 */
export function presigningClient(config: ServiceConfig): S3Store['client'] {
  return createS3Client({ ...clientOptions(config), requestChecksumCalculation: 'WHEN_REQUIRED' });
}

function clientOptions(config: ServiceConfig) {
  return {
    ...(config.region ? { region: config.region } : {}),
    ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}),
  };
}
