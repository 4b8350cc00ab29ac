import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  bundleSharp,
  libvipsConstants,
  libvipsShim,
  SHARP_VERSION,
} from '../../scripts/lib/sharp-start-up';

const ROOT = path.resolve(__dirname, '..', '..');
const PLATFORM = `${process.platform}-${process.arch}`;

/** What a fresh Node reports after requiring the bundled sharp and running a pipeline. */
interface Loaded {
  readonly version: string;
  readonly vips: string;
  readonly formats: number;
  readonly mean: number;
  readonly files: string[];
}

describe('sharp bundled for start-up', () => {
  let modules: string;

  /** A node_modules with sharp's JavaScript packages copied and this machine's binaries linked. */
  beforeEach(() => {
    modules = path.join(mkdtempSync(path.join(tmpdir(), 'sharp-start-up-')), 'node_modules');
    for (const name of ['sharp', 'detect-libc', '@img/colour']) {
      cpSync(path.join(ROOT, 'node_modules', name), path.join(modules, name), {
        recursive: true,
      });
    }
    for (const name of [`@img/sharp-${PLATFORM}`, `@img/sharp-libvips-${PLATFORM}`]) {
      symlinkSync(path.join(ROOT, 'node_modules', name), path.join(modules, name));
    }
  });

  afterEach(() => {
    rmSync(path.dirname(modules), { recursive: true, force: true });
  });

  function load(): { status: number | null; stderr: string; loaded?: Loaded } {
    const child = spawnSync(
      process.execPath,
      [
        '-e',
        `const sharp = require('sharp');
         sharp({ create: { width: 4, height: 4, channels: 3, background: '#ff0000' } })
           .png().toBuffer().then((png) => sharp(png).stats()).then((stats) => {
             console.log(JSON.stringify({
               version: sharp.versions.sharp, vips: sharp.versions.vips,
               formats: Object.keys(sharp.format).length, mean: stats.channels[0].mean,
               // JavaScript from this node_modules (the linked binaries resolve into the repository's).
               files: Object.keys(require.cache)
                 .filter((f) => f.startsWith(process.env.NODE_PATH) && /\\.c?js$/.test(f))
                 .map((f) => f.slice(process.env.NODE_PATH.length + 1)),
             }));
           });`,
      ],
      // Away from the repository, whose node_modules would be found first.
      {
        cwd: path.dirname(modules),
        env: { PATH: process.env.PATH, NODE_PATH: modules },
        encoding: 'utf8',
      },
    );
    return {
      status: child.status,
      stderr: child.stderr,
      ...(child.status === 0 ? { loaded: JSON.parse(child.stdout) as Loaded } : {}),
    };
  }

  it('loads one file of JavaScript, not semver nor libvips.cjs, and works as sharp does', async () => {
    const before = load().loaded;
    await bundleSharp(path.join(modules, 'sharp'));
    const after = load().loaded;

    expect(before?.files.some((f) => f.includes('/semver/'))).toBe(true);
    expect(after?.files).toEqual(['sharp/dist/index.cjs']);
    expect(after?.version).toBe(SHARP_VERSION);
    expect(after?.vips).toBe(before?.vips);
    expect(after?.formats).toBe(before?.formats);
    // The colour string went through @img/colour (bundled in): pure red.
    expect(after?.mean).toBe(255);
  });

  it("fails as sharp does without its native addon, with sharp's own advice", async () => {
    await bundleSharp(path.join(modules, 'sharp'));
    rmSync(path.join(modules, `@img/sharp-${PLATFORM}`));

    const run = load();

    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`Could not load the "sharp" module using the ${PLATFORM} runtime`);
    expect(run.stderr).toContain('Possible solutions');
    expect(run.stderr).toContain(
      `npm install --os=${process.platform} --cpu=${process.arch} sharp`,
    );
  });

  it('fails the build when sharp no longer has the requires it rewrites', async () => {
    const file = path.join(modules, 'sharp', 'dist', 'utility.cjs');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/require\(`/g, 'require(('));

    await expect(bundleSharp(path.join(modules, 'sharp'))).rejects.toThrow(
      'sharp utility.cjs no longer contains',
    );
  });

  it('refuses a sharp release the rewrites were not checked against', () => {
    const manifest = path.join(modules, 'sharp', 'package.json');
    writeFileSync(
      manifest,
      readFileSync(manifest, 'utf8').replace(`"version": "${SHARP_VERSION}"`, '"version": "9.9.9"'),
    );

    expect(() => libvipsConstants(path.join(modules, 'sharp'))).toThrow(
      `sharp 9.9.9 in ${path.join(modules, 'sharp')}, but scripts/lib/sharp-start-up.ts was checked against ${SHARP_VERSION}`,
    );
  });

  it("takes sharp's constants from its own libvips.cjs", () => {
    const constants = libvipsConstants(path.join(modules, 'sharp'));
    const manifest = JSON.parse(
      readFileSync(path.join(modules, 'sharp', 'package.json'), 'utf8'),
    ) as { config: { libvips: string } };

    // ">=8.18.7" coerced by semver, as sharp does.
    expect(constants.minimumLibvipsVersion).toBe(manifest.config.libvips.replace(/^>=\s*/, ''));
    expect(constants.prebuiltPlatforms).toContain('linux-arm64');
    expect(libvipsShim(constants)).toContain(JSON.stringify(constants.prebuiltPlatforms));
  });
});
