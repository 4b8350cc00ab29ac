/**
 * Node built-in modules loaded when first used instead of when a bundle loads.
 *
 * A built-in is not free: outside Node's start-up snapshot it is compiled and run on its first
 * require. `node:crypto` costs about 8-11 ms of CPU (Node 24, x86_64, measured 2026-12-08 with
 * `process.cpuUsage()` around the require), `node:child_process` about 4 ms (it loads `net`).
 * The api function's init required both although `POST /cartoon` uses neither: crypto for
 * `POST /uploads` and the page's hashes (services/shared) and the Logger's log sampling,
 * child_process for detect-libc's last-resort libc probe (inside sharp).
 *
 * In a bundle built with this plugin, a require or import of a listed built-in gets an object
 * with one getter per export of that built-in (listed at build time from this Node): reading any
 * of them loads the real module then and returns the real value, so functions, classes and
 * constants are the built-in's own. esbuild's ES module interop copies getters without calling
 * them, so `import { randomUUID } from 'node:crypto'` stays lazy until `randomUUID` is read at
 * call time. A module that destructures at its top level (`const { x } = require('crypto')`)
 * loads it at once, as before. What this cannot do: setting a property of the built-in through
 * it (there is no setter), or reaching an export that this Node's built-in lacks.
 */
import { builtinModules } from 'node:module';
import type { Plugin } from 'esbuild';

const NAMESPACE = 'lazy-builtin';

/** `crypto` for `node:crypto` or `crypto`. */
function bare(name: string): string {
  return name.replace(/^node:/, '');
}

/**
 * The module that stands in for the built-in `name`.
 *
 * @example
 * ```ts
 * lazyBuiltinSource('node:crypto'); // "let loaded; const load = () => (loaded ??= require('node:crypto')); ..."
 * ```
 */
export function lazyBuiltinSource(name: string): string {
  const exportsOf = Object.keys(require(`node:${bare(name)}`) as object);
  return `'use strict';
// node:${bare(name)}, loaded when one of its exports is first read (scripts/lib/lazy-builtins.ts).
let loaded;
const load = () => (loaded ??= require('node:${bare(name)}'));
for (const name of ${JSON.stringify(exportsOf)}) {
  Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });
}
`;
}

/**
 * The esbuild plugin: the listed built-ins (with or without `node:`) become lazy.
 *
 * @example
 * ```ts
 * await build({ ...options, plugins: [lazyBuiltins(['crypto', 'child_process'])] });
 * ```
 */
export function lazyBuiltins(names: readonly string[]): Plugin {
  const modules = names.map(bare);
  for (const name of modules) {
    if (!builtinModules.includes(name)) throw new Error(`${name} is not a Node built-in module`);
  }
  const filter = new RegExp(`^(node:)?(${modules.join('|')})$`);
  return {
    name: 'lazy-builtins',
    setup(context) {
      if (modules.length === 0) return;
      context.onResolve({ filter }, (args) =>
        // The stand-in's own require is the real built-in.
        args.namespace === NAMESPACE
          ? { path: args.path, external: true }
          : { path: bare(args.path), namespace: NAMESPACE },
      );
      context.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        contents: lazyBuiltinSource(args.path),
        loader: 'js',
      }));
    },
  };
}
