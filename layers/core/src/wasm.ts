/** The part of the WebAssembly API the kernels use, which Node's type declarations leave out. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

const api = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports?: object) => { exports: unknown };
      Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
    };
  }
).WebAssembly;

/** Bytes in a page of WebAssembly memory. */
export const WASM_PAGE = 65_536;

/** Makes instances of a module; `compiled` is the module itself, which a worker can be sent. */
export interface KernelModule<Exports> {
  (imports?: object): Exports;
  compiled(): object;
}

/**
 * Compiles a module kept as base64 (see scripts/build-wasm.ts) on first use, and returns a
 * function that makes instances of it.
 *
 * @example
 * ```ts
 * const instantiate = kernelModule<Kernels>(INK_KERNELS_WASM);
 * const kernels = instantiate();
 * ```
 */
export function kernelModule<Exports>(base64: string): KernelModule<Exports> {
  let module: object | undefined;
  const compiled = () => {
    module ??= new api.Module(Buffer.from(base64, 'base64'));
    return module;
  };
  return Object.assign((imports?: object) => instanceOf<Exports>(compiled(), imports), {
    compiled,
  });
}

/** The exports of a new instance of a compiled module (one a worker was sent, say). */
export function instanceOf<Exports>(module: object, imports?: object): Exports {
  return new api.Instance(module, imports).exports as Exports;
}

/** A WebAssembly memory threads can share, of one page, growing to at most `maxPages`. */
export function sharedMemory(maxPages: number): WasmMemory {
  return new api.Memory({ initial: 1, maximum: maxPages, shared: true });
}

/** Grows `memory` to at least `bytes`. */
export function growTo(memory: WasmMemory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (have < bytes) memory.grow(Math.ceil((bytes - have) / WASM_PAGE));
}
