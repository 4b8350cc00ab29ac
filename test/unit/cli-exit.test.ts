import { failureExitCode } from '../../scripts/lib/cli-exit';
import { UsageError } from '../../scripts/lib/flags';

describe('failureExitCode', () => {
  test('a UsageError exits 2 and prints its message with the usage line', () => {
    const lines: string[] = [];

    const code = failureExitCode(
      new UsageError('unknown variant x'),
      'deploy',
      'usage: npm run deploy',
      (line) => lines.push(line),
    );

    expect(code).toBe(2);
    expect(lines).toEqual(['deploy: unknown variant x\nusage: npm run deploy']);
  });

  test('any other error exits 1 and prints its message without the usage line', () => {
    const lines: string[] = [];

    const code = failureExitCode(new Error('stack is gone'), 'destroy', 'usage: x', (line) =>
      lines.push(line),
    );

    expect(code).toBe(1);
    expect(lines).toEqual(['destroy: stack is gone']);
  });

  test('a thrown non-Error is printed as text', () => {
    const lines: string[] = [];

    expect(failureExitCode('boom', 'deploy', 'usage: x', (line) => lines.push(line))).toBe(1);
    expect(lines).toEqual(['deploy: boom']);
  });
});
