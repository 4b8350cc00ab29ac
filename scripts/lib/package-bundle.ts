/**
 * Turns a package inside a layer's node_modules into one CommonJS file that its entries share,
 * in place, so that a cold start reads and compiles one file instead of dozens.
 *
 * Node resolves a package's `require` entries (its exports map, or `main`) to files; each entry
 * file is rewritten into a one-line forwarder to `layer-bundle.cjs` at the package root, which
 * holds every module the entries reach (the package's own and those of the dependencies named
 * in `inline`), built by esbuild. The entries are getters: an entry's modules run when it is
 * first required, as before, and modules that two entries share (Powertools' Logger class,
 * reached from the main entry and from `/middleware`) exist once, so state and `instanceof`
 * still hold across them. What the bundle does not inline (Node built-ins, other packages)
 * stays a require, resolved from the package root as it was from the entry files.
 *
 * ES module entries (`import` conditions) are left as they are: nothing in the layer is loaded
 * through them. Files the bundle replaces stay on disk, unread.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { lazyBuiltins } from './lazy-builtins';

export const BUNDLE_FILE = 'layer-bundle.cjs';

type Exports = string | null | { readonly [key: string]: Exports } | readonly Exports[];

interface Manifest {
  readonly name: string;
  readonly main?: string;
  readonly exports?: Exports;
}

/** The file a `require` of `subpath` picks under an exports value (conditions require, node, default). */
function requireTarget(value: Exports | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (!value || Array.isArray(value)) return undefined;
  const conditions = value as { readonly [key: string]: Exports };
  for (const condition of ['require', 'node', 'default']) {
    const target = requireTarget(conditions[condition]);
    if (target) return target;
  }
  return undefined;
}

/**
 * A package's CommonJS entries, subpath to file relative to the package root: what `require`
 * of the package and of each exported subpath loads. Pattern exports (`./*`) are refused: they
 * cannot be listed, so such a package cannot be bundled this way.
 *
 * @example
 * ```ts
 * requireEntries({ name: 'x', exports: { '.': { require: './lib/cjs/index.js' } } });
 * // { '.': './lib/cjs/index.js' }
 * ```
 */
export function requireEntries(manifest: Manifest): Record<string, string> {
  const { exports } = manifest;
  if (exports === undefined) return { '.': manifest.main ?? './index.js' };
  const isSubpaths =
    typeof exports === 'object' &&
    exports !== null &&
    !Array.isArray(exports) &&
    Object.keys(exports).every((key) => key.startsWith('.'));
  const subpaths: Record<string, Exports> = isSubpaths
    ? (exports as Record<string, Exports>)
    : { '.': exports };
  const entries: Record<string, string> = {};
  for (const [subpath, value] of Object.entries(subpaths)) {
    if (subpath.includes('*')) {
      throw new Error(`${manifest.name}: pattern export ${subpath} cannot be bundled`);
    }
    const target = requireTarget(value);
    if (target && /\.c?js$/.test(target)) entries[subpath] = target;
  }
  return entries;
}

/** Dependencies named in `inline` go into the bundle; every other package stays a require. */
function externalExcept(inline: readonly string[]): Plugin {
  return {
    name: 'external-except',
    setup(context) {
      context.onResolve({ filter: /^[^./]/ }, (args) => {
        const name = args.path.startsWith('@')
          ? args.path.split('/').slice(0, 2).join('/')
          : (args.path.split('/')[0] as string);
        return inline.includes(name) ? undefined : { path: args.path, external: true };
      });
    },
  };
}

export interface PackageBundleResult {
  /** Subpath to entry file, each now a forwarder. */
  readonly entries: Record<string, string>;
  /** The files, relative to node_modules, that went into the bundle. */
  readonly inputs: string[];
}

/**
 * Bundles the package at `packageDir` (inside a node_modules folder) in place.
 *
 * @example
 * ```ts
 * await bundlePackage('build/layer/arm64/nodejs/node_modules/@aws-lambda-powertools/logger', {
 *   inline: ['@aws-lambda-powertools/commons', '@aws/lambda-invoke-store'],
 * });
 * ```
 */
export async function bundlePackage(
  packageDir: string,
  options: {
    readonly inline?: readonly string[];
    /** Built-ins to load when first used (scripts/lib/lazy-builtins.ts). */
    readonly lazyBuiltins?: readonly string[];
  } = {},
): Promise<PackageBundleResult> {
  const manifest = JSON.parse(
    readFileSync(path.join(packageDir, 'package.json'), 'utf8'),
  ) as Manifest;
  const entries = requireEntries(manifest);
  if (Object.keys(entries).length === 0) throw new Error(`${manifest.name}: no CommonJS entry`);
  for (const file of Object.values(entries)) {
    if (!existsSync(path.join(packageDir, file))) {
      throw new Error(`${manifest.name}: entry ${file} does not exist`);
    }
  }
  // Getters: each entry's modules run when it is first required, not when another one is.
  const getters = Object.entries(entries)
    .map(
      ([subpath, file]) =>
        `get ${JSON.stringify(subpath)}() { return require(${JSON.stringify(file)}); }`,
    )
    .join(',\n');
  const result = await build({
    stdin: {
      contents: `module.exports = {\n${getters}\n};\n`,
      resolveDir: packageDir,
      loader: 'js',
    },
    outfile: path.join(packageDir, BUNDLE_FILE),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    // Class and function names stay: libraries print them and may compare them.
    keepNames: true,
    legalComments: 'inline',
    plugins: [
      lazyBuiltins(options.lazyBuiltins ?? []),
      externalExcept([manifest.name, ...(options.inline ?? [])]),
    ],
    metafile: true,
    logLevel: 'warning',
    nodePaths: [],
    absWorkingDir: packageDir,
  });
  for (const [subpath, file] of Object.entries(entries)) {
    const target = path.join(packageDir, file);
    const relative = path.relative(path.dirname(target), path.join(packageDir, BUNDLE_FILE));
    const specifier = relative.startsWith('.') ? relative : `./${relative}`;
    writeFileSync(
      target,
      `'use strict';\n// The package's modules are bundled in ${BUNDLE_FILE} (scripts/lib/package-bundle.ts).\nmodule.exports = require(${JSON.stringify(specifier.split(path.sep).join('/'))})[${JSON.stringify(subpath)}];\n`,
    );
  }
  const modulesDir = path.resolve(packageDir, manifest.name.startsWith('@') ? '../..' : '..');
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => input !== '<stdin>')
    .map((input) => path.relative(modulesDir, path.resolve(packageDir, input)));
  return { entries, inputs };
}
