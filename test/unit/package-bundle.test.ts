import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUNDLE_FILE, bundlePackage, requireEntries } from '../../scripts/lib/package-bundle';

describe('requireEntries', () => {
  it('picks the require condition of each subpath, skipping ES-only and non-JS entries', () => {
    expect(
      requireEntries({
        name: 'logger',
        exports: {
          '.': { require: { default: './lib/cjs/index.js' }, import: './lib/esm/index.js' },
          './middleware': { import: './lib/esm/middy.js', require: './lib/cjs/middy.js' },
          './esm-only': { import: './lib/esm/only.js' },
          './package.json': './package.json',
        },
      }),
    ).toEqual({ '.': './lib/cjs/index.js', './middleware': './lib/cjs/middy.js' });
  });

  it('reads main when there is no exports map, and a bare exports value as "."', () => {
    expect(requireEntries({ name: 'a', main: './a.js' })).toEqual({ '.': './a.js' });
    expect(requireEntries({ name: 'b' })).toEqual({ '.': './index.js' });
    expect(requireEntries({ name: 'c', exports: { node: './n.cjs', default: './d.mjs' } })).toEqual(
      { '.': './n.cjs' },
    );
  });

  it('refuses pattern exports, which cannot be listed', () => {
    expect(() => requireEntries({ name: 'p', exports: { './*': './lib/*.js' } })).toThrow(
      'p: pattern export ./* cannot be bundled',
    );
  });
});

describe('bundlePackage', () => {
  let modules: string;

  function write(file: string, text: string): void {
    mkdirSync(path.dirname(path.join(modules, file)), { recursive: true });
    writeFileSync(path.join(modules, file), text);
  }

  /** Runs `script` in a fresh Node with `modules` on the module path; returns its JSON output. */
  function run(script: string): unknown {
    const child = spawnSync(process.execPath, ['-e', script], {
      env: { PATH: process.env.PATH, NODE_PATH: modules },
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(child.stderr);
    return JSON.parse(child.stdout);
  }

  beforeEach(() => {
    modules = path.join(mkdtempSync(path.join(tmpdir(), 'package-bundle-')), 'node_modules');
    // Two entries sharing a stateful module; a dependency to inline; another to leave alone.
    write(
      '@x/lib/package.json',
      JSON.stringify({
        name: '@x/lib',
        exports: { '.': { require: './cjs/index.js' }, './extra': './cjs/extra/index.js' },
      }),
    );
    write(
      '@x/lib/cjs/index.js',
      "globalThis.ran = [...(globalThis.ran ?? []), 'index'];\nconst { Shared } = require('./shared.js');\nexports.Shared = Shared;\nexports.helper = require('@x/helper').name;",
    );
    write(
      '@x/lib/cjs/extra/index.js',
      "globalThis.ran = [...(globalThis.ran ?? []), 'extra'];\nconst { Shared } = require('../shared.js');\nexports.isShared = (value) => value instanceof Shared;\nexports.other = require('other').name;",
    );
    write('@x/lib/cjs/shared.js', 'class Shared {}\nexports.Shared = Shared;');
    write('@x/helper/package.json', JSON.stringify({ name: '@x/helper', main: 'index.js' }));
    write('@x/helper/index.js', "exports.name = 'helper';");
    write('other/package.json', JSON.stringify({ name: 'other', main: 'index.js' }));
    write('other/index.js', "exports.name = 'other';");
  });

  afterEach(() => {
    rmSync(path.dirname(modules), { recursive: true, force: true });
  });

  it('makes the entries forwarders to one file holding the package and the inlined dependencies', async () => {
    const result = await bundlePackage(path.join(modules, '@x', 'lib'), { inline: ['@x/helper'] });

    expect(result.entries).toEqual({ '.': './cjs/index.js', './extra': './cjs/extra/index.js' });
    expect(result.inputs.sort()).toEqual([
      '@x/helper/index.js',
      '@x/lib/cjs/extra/index.js',
      '@x/lib/cjs/index.js',
      '@x/lib/cjs/shared.js',
    ]);
    expect(readFileSync(path.join(modules, '@x/lib/cjs/extra/index.js'), 'utf8')).toContain(
      `require("../../${BUNDLE_FILE}")["./extra"]`,
    );
    const loaded = run(`
      const lib = require('@x/lib');
      const ranAfterMain = [...globalThis.ran];
      const extra = require('@x/lib/extra');
      console.log(JSON.stringify({
        ranAfterMain,
        ran: globalThis.ran,
        shared: extra.isShared(new lib.Shared()),
        helper: lib.helper,
        other: extra.other,
        files: Object.keys(require.cache).map((f) => f.slice(process.env.NODE_PATH.length + 1)),
      }));`);
    expect(loaded).toEqual({
      // Each entry runs when first required, not before.
      ranAfterMain: ['index'],
      ran: ['index', 'extra'],
      // The module both entries reach exists once.
      shared: true,
      helper: 'helper',
      other: 'other',
      files: [
        '@x/lib/cjs/index.js',
        `@x/lib/${BUNDLE_FILE}`,
        '@x/lib/cjs/extra/index.js',
        // Not inlined: still its own package, required at run time.
        'other/index.js',
      ],
    });
  });

  it('fails with the package name when an entry file is missing', async () => {
    rmSync(path.join(modules, '@x/lib/cjs/extra/index.js'));
    await expect(bundlePackage(path.join(modules, '@x', 'lib'))).rejects.toThrow(
      '@x/lib: entry ./cjs/extra/index.js does not exist',
    );
  });
});
