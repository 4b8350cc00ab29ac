/**
 * sharp's JavaScript as one file, without its install-time helpers, for a fast cold start.
 *
 * sharp 0.35's CommonJS entry (dist/index.cjs) loads 13 files of its own, and two of them
 * (dist/sharp.cjs, dist/utility.cjs) require dist/libvips.cjs, which is mostly for install and
 * build time: it loads semver (about 40 files), child_process and crypto at every start. At run
 * time sharp only needs four things from it: `runtimePlatformArch()` (to pick the native
 * addon), and, to word a load failure, `prebuiltPlatforms`, `minimumLibvipsVersion` and
 * `isUnsupportedNodeRuntime()`. This bundles dist/index.cjs with esbuild and gives those files
 * a small stand-in for libvips.cjs instead:
 *
 * - `runtimePlatformArch()` is computed at run time exactly as libvips.cjs computes it (with
 *   detect-libc, which sharp.cjs loads anyway), so the addon is chosen as before.
 * - `prebuiltPlatforms` and `minimumLibvipsVersion` are read from sharp's own libvips.cjs at
 *   build time: they are constants of the package (a list, and its package.json's
 *   `config.libvips` coerced by semver), not of the machine.
 * - `isUnsupportedNodeRuntime()`, only called when no addon loaded, requires the real
 *   libvips.cjs then, from the file left beside the bundle (with semver still in the layer).
 * - The native addon stays a run-time require: `@img/sharp-<platform>/sharp.node` and the
 *   template-string requires of a from-source build (`../src/build/Release/sharp-….node`) and of
 *   `@img/…/versions` are left to Node, from the same folder as before (the bundle replaces
 *   dist/index.cjs in place), so the same files are found, or not found, as with sharp's own
 *   files.
 *
 * Every rewrite checks that the text it replaces is there, so a new sharp release that
 * changes it fails the build instead of shipping a bundle that behaves differently.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { lazyBuiltins } from './lazy-builtins';

/** The sharp release the rewrites below were written against (an exact pin in layers/core). */
export const SHARP_VERSION = '0.35.5';

/** What sharp's own dist/libvips.cjs exports that the stand-in takes over as constants. */
interface LibvipsConstants {
  readonly prebuiltPlatforms: readonly string[];
  readonly minimumLibvipsVersion: string;
}

/**
 * The stand-in for dist/libvips.cjs inside the bundle.
 *
 * @example
 * ```ts
 * libvipsShim({ prebuiltPlatforms: ['linux-x64'], minimumLibvipsVersion: '8.18.7' });
 * ```
 */
export function libvipsShim(constants: LibvipsConstants): string {
  return `'use strict';
// Stand-in for sharp's dist/libvips.cjs (see scripts/lib/sharp-start-up.ts): what sharp needs at
// run time, without semver, child_process and crypto.
const detectLibc = require('detect-libc');
const runtimeLibc = () => (detectLibc.isNonGlibcLinuxSync() ? detectLibc.familySync() : '');
module.exports = {
  minimumLibvipsVersion: ${JSON.stringify(constants.minimumLibvipsVersion)},
  prebuiltPlatforms: ${JSON.stringify(constants.prebuiltPlatforms)},
  runtimePlatformArch: () => \`\${process.platform}\${runtimeLibc()}-\${process.arch}\`,
  // Only when no addon loaded, to word the error: the real module, from beside the bundle.
  isUnsupportedNodeRuntime: () => require(${JSON.stringify(`./${LIBVIPS_FILE}`)}).isUnsupportedNodeRuntime(),
};
`;
}

const LIBVIPS_FILE = 'libvips.cjs';

/**
 * Replaces every occurrence of `from` in `text` (a file of sharp's), failing when there is none.
 */
function rewrite(file: string, text: string, from: RegExp, to: (match: string) => string): string {
  if (!from.test(text)) {
    throw new Error(
      `sharp ${path.basename(file)} no longer contains ${from}: check scripts/lib/sharp-start-up.ts against this sharp release`,
    );
  }
  return text.replace(new RegExp(from.source, 'g'), to);
}

/**
 * The esbuild plugin: libvips.cjs becomes the stand-in, requires that esbuild cannot follow
 * (a native addon, a package of another platform) stay requires at run time.
 */
export function sharpStartUpPlugin(sharpDir: string, constants: LibvipsConstants): Plugin {
  const dist = path.join(sharpDir, 'dist');
  return {
    name: 'sharp-start-up',
    setup(context) {
      context.onResolve({ filter: /^\.\/libvips\.cjs$/ }, (args) =>
        args.importer.startsWith(dist)
          ? { path: 'libvips-shim', namespace: 'sharp-shim' }
          : undefined,
      );
      context.onLoad({ filter: /.*/, namespace: 'sharp-shim' }, () => ({
        contents: libvipsShim(constants),
        loader: 'js',
        resolveDir: dist,
      }));
      // The real libvips.cjs, loaded by the stand-in only on the error path.
      context.onResolve(
        { filter: new RegExp(`^\\./${LIBVIPS_FILE.replace('.', '\\.')}$`) },
        (args) =>
          args.namespace === 'sharp-shim'
            ? { path: `./${LIBVIPS_FILE}`, external: true }
            : undefined,
      );
      // Native addons and per-platform packages: left to Node at run time.
      context.onResolve({ filter: /^@img\/sharp-/ }, (args) => ({
        path: args.path,
        external: true,
      }));
      // Template-string requires: esbuild would match them against files at build time; passed
      // through a function they are plain run-time requires, relative to dist/ as before.
      context.onLoad({ filter: /[\\/]sharp[\\/]dist[\\/](sharp|utility)\.cjs$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        const rewritten = rewrite(args.path, text, /require\(`[^`]*`\)/, (call) =>
          call.replace(/^require\((`[^`]*`)\)$/, 'require(atRunTime($1))'),
        );
        return { contents: `const atRunTime = (id) => id;\n${rewritten}`, loader: 'js' };
      });
    },
  };
}

/**
 * Reads the constants the stand-in needs from sharp's own libvips.cjs in `sharpDir` (a copy
 * for another platform is fine: they do not depend on the machine).
 */
export function libvipsConstants(sharpDir: string): LibvipsConstants {
  const manifest = JSON.parse(readFileSync(path.join(sharpDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  if (manifest.version !== SHARP_VERSION) {
    throw new Error(
      `sharp ${manifest.version} in ${sharpDir}, but scripts/lib/sharp-start-up.ts was checked against ${SHARP_VERSION}: check its rewrites, then update SHARP_VERSION`,
    );
  }
  // npm sets npm_package_config_libvips from the running package's config; sharp's own value
  // is the one that applies in the layer.
  const saved = process.env.npm_package_config_libvips;
  delete process.env.npm_package_config_libvips;
  try {
    const real = require(path.join(sharpDir, 'dist', LIBVIPS_FILE)) as LibvipsConstants;
    return {
      prebuiltPlatforms: [...real.prebuiltPlatforms],
      minimumLibvipsVersion: real.minimumLibvipsVersion,
    };
  } finally {
    if (saved !== undefined) process.env.npm_package_config_libvips = saved;
  }
}

/**
 * Bundles sharp's CommonJS entry in `sharpDir` (a sharp package inside a layer's node_modules)
 * into dist/index.cjs, in place. sharp's other files stay, for the error path and for ES
 * module importers (dist/index.mjs, untouched).
 *
 * @example
 * ```ts
 * await bundleSharp('build/layer/arm64/nodejs/node_modules/sharp');
 * ```
 */
export async function bundleSharp(sharpDir: string): Promise<void> {
  const constants = libvipsConstants(sharpDir);
  const entry = path.join(sharpDir, 'dist', 'index.cjs');
  const result = await build({
    entryPoints: [entry],
    outfile: entry,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    // sharp's copyright notice (Apache-2.0) and its dependencies' stay in the file.
    legalComments: 'inline',
    // detect-libc requires child_process for a last-resort probe that a glibc Linux never
    // reaches; loading it costs about 4 ms at every start.
    plugins: [lazyBuiltins(['child_process']), sharpStartUpPlugin(sharpDir, constants)],
    metafile: true,
    logLevel: 'warning',
    // The requires left to run time on purpose (see sharpStartUpPlugin).
    logOverride: { 'unsupported-require-call': 'silent' },
    // The layer's own copies: not this machine's node_modules.
    nodePaths: [],
    absWorkingDir: sharpDir,
  });
  const inputs = Object.keys(result.metafile.inputs);
  if (inputs.some((input) => /node_modules[\\/]semver[\\/]/.test(input))) {
    throw new Error('the sharp bundle still includes semver: libvips.cjs was not replaced');
  }
}
