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
export function kernelModule<Exports>(base64: string): (imports?: object) => Exports {
  let module: object | undefined;
  return (imports) => {
    module ??= new api.Module(Buffer.from(base64, 'base64'));
    return new api.Instance(module, imports).exports as Exports;
  };
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
