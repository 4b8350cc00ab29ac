import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { lazyBuiltins } from '../../scripts/lib/lazy-builtins';

/** Bundles `source` with the plugin, runs it in a fresh Node and returns what it printed. */
async function bundleAndRun(source: string, lazy: string[]): Promise<unknown> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lazy-builtins-'));
  try {
    writeFileSync(path.join(dir, 'entry.ts'), source);
    await build({
      entryPoints: [path.join(dir, 'entry.ts')],
      outfile: path.join(dir, 'out.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      plugins: [lazyBuiltins(lazy)],
      logLevel: 'silent',
    });
    const child = spawnSync(process.execPath, [path.join(dir, 'out.js')], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(child.stderr);
    return JSON.parse(child.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether Node has loaded built-in `m`, in the bundled program. */
const LOADED =
  "const loaded = (m: string) => process.moduleLoadList.includes('NativeModule ' + m);";

describe('lazyBuiltins', () => {
  it('loads an imported built-in when an export is first used, and gives its own values', async () => {
    const out = await bundleAndRun(
      `import { createHash, randomUUID, constants } from 'node:crypto';
       ${LOADED}
       const atLoad = loaded('crypto');
       const id = randomUUID();
       console.log(JSON.stringify({
         atLoad,
         afterUse: loaded('crypto'),
         id: /^[0-9a-f-]{36}$/.test(id),
         hash: createHash('sha256').update('x').digest('hex').slice(0, 8),
         sameFunction: randomUUID === require('node:crypto').randomUUID,
         constant: typeof constants.RSA_PKCS1_PADDING,
       }));`,
      ['crypto'],
    );
    expect(out).toEqual({
      atLoad: false,
      afterUse: true,
      id: true,
      hash: '2d711642',
      sameFunction: true,
      constant: 'number',
    });
  });

  it('keeps a CommonJS require lazy until a property is read, and classes constructible', async () => {
    const out = await bundleAndRun(
      `const zlib = require('zlib');
       ${LOADED}
       const atLoad = loaded('zlib');
       const crc = zlib.crc32('hello');
       const inflater = new zlib.Inflate();
       console.log(JSON.stringify({ atLoad, crc, isInstance: inflater instanceof require('node:zlib').Inflate }));
       inflater.close();`,
      ['zlib'],
    );
    expect(out).toEqual({ atLoad: false, crc: 907060870, isInstance: true });
  });

  it('leaves built-ins it was not given alone', async () => {
    const out = await bundleAndRun(
      `import { crc32 } from 'node:zlib';
       ${LOADED}
       console.log(JSON.stringify({ atLoad: loaded('zlib'), crc: crc32('hello') }));`,
      ['crypto'],
    );
    expect(out).toEqual({ atLoad: true, crc: 907060870 });
  });

  it('changes nothing when given no built-in', async () => {
    const out = await bundleAndRun(
      `import { crc32 } from 'node:zlib';
       ${LOADED}
       console.log(JSON.stringify({ atLoad: loaded('zlib'), crc: crc32('hello') }));`,
      [],
    );
    expect(out).toEqual({ atLoad: true, crc: 907060870 });
  });

  it('refuses a name that is not a built-in', () => {
    expect(() => lazyBuiltins(['left-pad'])).toThrow('left-pad is not a Node built-in module');
  });
});
