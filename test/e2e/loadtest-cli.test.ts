// npm run loadtest as a user meets it before any load: --help explains the flags, a bad flag
// is refused with the reason and exit code 2.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

function loadtest(...args: string[]) {
  return spawnSync(
    path.join(ROOT, 'node_modules', '.bin', 'tsx'),
    ['--tsconfig', 'tsconfig.json', 'scripts/loadtest.ts', ...args],
    { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
  );
}

describe('npm run loadtest', () => {
  it('prints the flags with --help and exits 0', () => {
    const run = loadtest('--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: npm run loadtest -- [options]');
    expect(run.stdout).toContain('--profile <smoke|full>');
    expect(run.stdout).toContain('--image <phone|small>');
    expect(run.stdout).toContain('--repeat <n>');
    expect(run.stdout).toContain('--requests-per-month <n>');
  }, 30_000);

  it.each([
    [['--nope'], "Unknown option '--nope'"],
    [['--target', 'azure'], '--target must be local or aws'],
    [['--cold=-1'], 'Expected integer of at least 1 for --cold but received -1'],
    [['--image', 'raw'], '--image must be phone or small, got "raw"'],
    [['--repeat', '0'], 'Expected integer of at least 1 for --repeat but received 0'],
  ])(
    'refuses %j with exit code 2',
    (args, message) => {
      const run = loadtest(...args);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stdout).toBe('');
    },
    30_000,
  );
});
