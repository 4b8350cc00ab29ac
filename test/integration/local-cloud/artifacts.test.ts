// Artifacts found by the names the template gives them and unpacked into a Lambda layout.
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
import { findArtifact, removeLayout, unpackFunction } from '../../../local-cloud/artifacts';

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

    const layout = await unpackFunction(path.join(dir, 'fn.zip'), [path.join(dir, 'layer.zip')]);

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
      removeLayout(layout);
    }
    expect(existsSync(layout.root)).toBe(false);
  });
});
