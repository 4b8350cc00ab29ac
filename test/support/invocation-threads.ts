/**
 * Runtime worker threads for tests, each loading the core itself, as Lambda Managed
 * Instances' Node.js runtime starts them in one process (invocation-worker.ts is their
 * code). A worker thread cannot load TypeScript, so the worker and the core's source are
 * bundled with esbuild, as the functions are for deployment, with sharp, libheif-js and
 * Powertools left to node_modules. The bundle is written under node_modules/.cache, so that
 * those requires resolve from it.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CartoonOptions } from '@cartoon-compute/core';
import { build } from 'esbuild';
import type { ThreadReply, ThreadRequest } from './invocation-messages';

const ROOT = path.join(__dirname, '..', '..');

/**
 * Bundles a worker's code in test/support (invocation-worker.ts unless `entry` names another)
 * with the core; returns the bundle's path.
 */
export async function bundleInvocationWorker(entry = 'invocation-worker.ts'): Promise<string> {
  const dir = path.join(ROOT, 'node_modules', '.cache', 'cartoon-compute-tests');
  mkdirSync(dir, { recursive: true });
  const outfile = path.join(dir, `${path.basename(entry, '.ts')}-${process.pid}.js`);
  await build({
    entryPoints: [path.join(__dirname, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    logLevel: 'silent',
    alias: { '@cartoon-compute/core': path.join(ROOT, 'layers', 'core', 'src', 'index.ts') },
    external: [
      'sharp',
      'libheif-js',
      'libheif-js/*',
      '@aws-lambda-powertools/*',
      '@aws/lambda-invoke-store',
    ],
  });
  return outfile;
}

/** What an invocation on a runtime thread gave: the image, or the error a caller would see. */
export type Outcome =
  | {
      readonly ok: true;
      readonly data: Buffer;
      readonly contentType: string;
      readonly threadId: number;
    }
  | {
      readonly ok: false;
      readonly name: string;
      readonly message: string;
      readonly statusCode: number;
      readonly threadId: number;
    };

/** One runtime worker thread, taking invocations while others are still running. */
export class InvocationThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, (outcome: Outcome) => void>();
  readonly #waiting: Array<(reply: ThreadReply) => void> = [];
  #nextId = 0;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (reply: ThreadReply) => {
      if (reply.kind === 'done') {
        const data = Buffer.from(reply.data);
        const { contentType, threadId } = reply;
        this.#settle(reply.id, { ok: true, data, contentType, threadId });
      } else if (reply.kind === 'failed') {
        const { name, message, statusCode, threadId } = reply;
        this.#settle(reply.id, { ok: false, name, message, statusCode, threadId });
      } else {
        this.#waiting.shift()?.(reply);
      }
    });
  }

  /** Starts a thread from `bundle` with `concurrency` threads an image (see configureSharp). */
  static async start(bundle: string, concurrency: number): Promise<InvocationThread> {
    const thread = new InvocationThread(new Worker(bundle));
    await thread.#ask({ kind: 'configure', concurrency });
    return thread;
  }

  get threadId(): number {
    return this.#worker.threadId;
  }

  /** Hands over an invocation and resolves with its outcome; never rejects. */
  invoke(image: Buffer, options: CartoonOptions): Promise<Outcome> {
    const id = ++this.#nextId;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#post({ kind: 'invoke', id, image, options });
    });
  }

  /** Jobs this thread's own helper worker has done (see helper.ts). */
  async helperJobsDone(): Promise<number> {
    const reply = await this.#ask({ kind: 'stats' });
    return reply.kind === 'stats' ? reply.helperJobsDone : -1;
  }

  async stop(): Promise<void> {
    await this.#worker.terminate();
  }

  #settle(id: number, outcome: Outcome): void {
    const resolve = this.#pending.get(id);
    this.#pending.delete(id);
    resolve?.(outcome);
  }

  #ask(request: ThreadRequest): Promise<ThreadReply> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#post(request);
    });
  }

  #post(request: ThreadRequest): void {
    this.#worker.postMessage(request);
  }
}

/** Removes a bundle made by `bundleInvocationWorker`. */
export function removeBundle(bundle: string): void {
  rmSync(bundle, { force: true });
}
