/**
 * Everything is tested on the Node major Lambda (`nodejs24.x`) and the containers run, whatever
 * Node started npm: the `node` devDependency puts Node 24 first on the PATH of every script.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const ROOT = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
  engines: { node: string };
};

describe('the runtime the tests run on', () => {
  test('jest runs on Node 24, the pinned node package', () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
    expect(pkg.devDependencies.node).toBe(process.versions.node);
  });

  test('a child process started as plain `node` (as tsx, esbuild and our scripts do) is Node 24', () => {
    const version = execFileSync('node', ['--version'], { encoding: 'utf8' }).trim();
    expect(version).toBe(`v${process.versions.node}`);
  });

  test('sharp loads its native binding on this Node', () => {
    expect(sharp.versions.vips).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('engines names a supported release line, not an end-of-life one', () => {
    const lowest = Number(/>=\s*(\d+)/.exec(pkg.engines.node)?.[1]);
    // Node 20 reached end of life on 2026-04-30 (nodejs.org release schedule).
    expect(lowest).toBeGreaterThanOrEqual(22);
  });
});
