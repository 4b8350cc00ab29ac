/**
 * Clients loaded when first used. Creating an SDK client once per environment is right (it
 * survives warm starts); creating it at init is not when the first request may not need it:
 * the api function's `POST /cartoon` never touches S3, yet loading the AWS SDK was most of
 * its cold start. The methods here stand in for the real ones and load them on first call.
 */
import type { ServiceConfig } from './config';
import type { S3Access } from './s3-access';

/** Every method of `T` returns a promise, so a stand-in can load before it answers. */
type AsyncMethods<T> = { [K in keyof T]: (...args: never[]) => Promise<unknown> };

/**
 * An object with `T`'s methods that calls `load()` on the first call of any of them (again
 * after a failed load) and then forwards to what it returned. `methods` names every method
 * of `T`: the compiler rejects a list with one missing, so an interface that grows a method
 * cannot silently lose it here.
 *
 * @example
 * ```ts
 * const store = onDemand(() => makeStore(), { get: true, head: true, put: true, firstKey: true });
 * await store.get('uploads/photo.jpg'); // makeStore() runs now, once
 * ```
 */
export function onDemand<T extends AsyncMethods<T>>(
  load: () => T,
  methods: { readonly [K in keyof T]-?: true },
): T {
  let loaded: T | undefined;
  const standIn: Record<string, unknown> = {};
  for (const name of Object.keys(methods) as (keyof T & string)[]) {
    standIn[name] = async (...args: never[]) => {
      loaded ??= load();
      return loaded[name](...args);
    };
  }
  return standIn as T;
}

/**
 * The api function's S3 store and presigner, loaded (module, SDK and client) by the first
 * request that uses either. A `require` at call time, not an import: imports run at init.
 *
 * @example
 * ```ts
 * const { store, presigner } = s3OnDemand(config); // nothing of the SDK loaded yet
 * ```
 */
export function s3OnDemand(config: ServiceConfig): S3Access {
  let access: S3Access | undefined;
  const s3 = (): S3Access => {
    access ??= (require('./s3-access') as typeof import('./s3-access')).s3Access(config);
    return access;
  };
  return {
    store: onDemand(() => s3().store, { get: true, head: true, put: true, firstKey: true }),
    presigner: onDemand(() => s3().presigner, { uploadUrl: true, downloadUrl: true }),
  };
}
