/**
 * What the tests and a runtime worker thread (invocation-worker.ts) say to each other.
 */
import type { CartoonOptions } from '@cartoon-compute/core';

export type ThreadRequest =
  | { readonly kind: 'configure'; readonly concurrency: number }
  | { readonly kind: 'stats' }
  | {
      readonly kind: 'invoke';
      readonly id: number;
      readonly image: Uint8Array;
      readonly options: CartoonOptions;
    };

export type ThreadReply =
  | { readonly kind: 'configured'; readonly threadId: number }
  | { readonly kind: 'stats'; readonly threadId: number; readonly helperJobsDone: number }
  | {
      readonly kind: 'done';
      readonly id: number;
      readonly threadId: number;
      readonly data: Uint8Array;
      readonly contentType: string;
    }
  | {
      readonly kind: 'failed';
      readonly id: number;
      readonly threadId: number;
      readonly name: string;
      readonly message: string;
      readonly statusCode: number;
    };
