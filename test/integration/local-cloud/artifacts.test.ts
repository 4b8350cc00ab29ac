// Artifacts found by the names the template gives them and unpacked into a Lambda layout.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ZipFile } from 'yazl';
import {
  findArtifact,
  makeRunDir,
  sweepDeadRuns,
  unpackFunction,
  unpackLayers,
} from '../../../local-cloud/artifacts';

const ROOT = path.resolve(__dirname, '..', '..', '..');
let dir: string;

function zip(file: string, entries: Record<string, string>): Promise<void> {
  const archive = new ZipFile();
  for (const [name, text] of Object.entries(entries)) {
    archive.addBuffer(Buffer.from(text), name, { mode: 0o100644 });
  }
  archive.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    archive.outputStream.on('data', (c: Buffer) => chunks.push(c));
    archive.outputStream.on('end', () => {
      writeFileSync(file, Buffer.concat(chunks));
      resolve();
    });
    archive.outputStream.on('error', reject);
  });
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'local-cloud-artifacts-'));
  mkdirSync(path.join(dir, 'functions'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('artifacts', () => {
  it('finds a function zip and the layer built for this CPU', () => {
    writeFileSync(path.join(dir, 'functions', 'api.zip'), '');
    writeFileSync(path.join(dir, 'layer-x64.zip'), '');
    const dirs = [dir, path.join(dir, 'functions')];

    expect(findArtifact('api.zip', dirs, 'x64')).toBe(path.join(dir, 'functions', 'api.zip'));
    expect(findArtifact('layer-arm64.zip', dirs, 'x64')).toBe(path.join(dir, 'layer-x64.zip'));
  });

  it('says how to build the layer when only the arm64 one exists', () => {
    writeFileSync(path.join(dir, 'layer-arm64.zip'), '');
    expect(() => findArtifact('layer-arm64.zip', [dir], 'x64')).toThrow(
      /npm run build:layer -- --arch x64/,
    );
    expect(() => findArtifact('process.zip', [dir], 'x64')).toThrow(/npm run package/);
  });

  it('unpacks code as the task root and layers into opt, outside the repo', async () => {
    await zip(path.join(dir, 'fn.zip'), { 'index.js': 'exports.handler = 1;' });
    await zip(path.join(dir, 'layer.zip'), {
      'nodejs/node_modules/lib/index.js': 'module.exports = 2;',
    });

    const { root: optRoot, optDir } = await unpackLayers([path.join(dir, 'layer.zip')]);
    const layout = await unpackFunction(path.join(dir, 'fn.zip'), optDir);

    try {
      expect(layout.root.startsWith(ROOT)).toBe(false);
      expect(readFileSync(path.join(layout.taskRoot, 'index.js'), 'utf8')).toBe(
        'exports.handler = 1;',
      );
      expect(
        existsSync(path.join(layout.optDir, 'nodejs', 'node_modules', 'lib', 'index.js')),
      ).toBe(true);
      expect(statSync(layout.bootstrap).isFile()).toBe(true);
    } finally {
      rmSync(layout.root, { recursive: true, force: true });
      rmSync(optRoot, { recursive: true, force: true });
    }
    expect(existsSync(layout.root)).toBe(false);
  });

  it('unpacks a layer set once into an opt that functions share, with code of their own', async () => {
    await zip(path.join(dir, 'a.zip'), { 'index.js': 'exports.handler = "a";' });
    await zip(path.join(dir, 'b.zip'), { 'index.js': 'exports.handler = "b";' });
    await zip(path.join(dir, 'base.zip'), { 'nodejs/node_modules/lib/index.js': 'base' });
    await zip(path.join(dir, 'over.zip'), { 'nodejs/node_modules/lib/index.js': 'over' });
    const layers = [path.join(dir, 'base.zip'), path.join(dir, 'over.zip')];

    const shared = await unpackLayers(layers);
    const a = await unpackFunction(path.join(dir, 'a.zip'), shared.optDir);
    const b = await unpackFunction(path.join(dir, 'b.zip'), shared.optDir);

    try {
      expect(shared.root.startsWith(ROOT)).toBe(false);
      // Later layers win, in order, as Lambda lays them over each other.
      expect(
        readFileSync(path.join(shared.optDir, 'nodejs/node_modules/lib/index.js'), 'utf8'),
      ).toBe('over');
      expect(readFileSync(path.join(a.taskRoot, 'index.js'), 'utf8')).toBe(
        'exports.handler = "a";',
      );
      expect(readFileSync(path.join(b.taskRoot, 'index.js'), 'utf8')).toBe(
        'exports.handler = "b";',
      );
      // A function's own folder holds no copy of the layers.
      expect(existsSync(path.join(a.root, 'opt'))).toBe(false);
    } finally {
      rmSync(a.root, { recursive: true, force: true });
      rmSync(b.root, { recursive: true, force: true });
    }
    // Removing the functions leaves the shared opt to its owner.
    expect(existsSync(shared.optDir)).toBe(true);
    rmSync(shared.root, { recursive: true, force: true });
  });

  it('removes the run folders of processes that died, and nothing else', () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const names = [
      `local-cloud-${dead}-a1B2c3`, // its process is gone: removed
      `local-cloud-${process.pid}-d4E5f6`, // this process, running: kept
      'local-cloud-fn-g7H8i9', // not a run folder: kept
      'local-cloud-it-j1K2l3', // a test's folder: kept
    ];
    for (const name of names) mkdirSync(path.join(dir, name, 'opt'), { recursive: true });

    expect(sweepDeadRuns(dir)).toEqual([path.join(dir, names[0] as string)]);
    expect(names.map((name) => existsSync(path.join(dir, name)))).toEqual([
      false,
      true,
      true,
      true,
    ]);
  });

  it('makes run folders named after this process, which a sweep leaves alone', () => {
    const run = makeRunDir();
    try {
      expect(path.basename(run)).toMatch(new RegExp(`^local-cloud-${process.pid}-[A-Za-z0-9]{6}$`));
      expect(sweepDeadRuns(path.dirname(run))).not.toContain(run);
      expect(existsSync(run)).toBe(true);
    } finally {
      rmSync(run, { recursive: true, force: true });
    }
  });
});
