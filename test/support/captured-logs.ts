/**
 * Structured log lines a piece of code writes to stdout while `run` runs, parsed, plus the raw
 * text (to check that something, a bucket name say, never appears).
 *
 * @example
 * ```ts
 * const { entries, raw } = await captureJsonLogs(() => handler(event, context));
 * expect(entries.find((e) => e.message === 'request refused')).toMatchObject({ status: 400 });
 * ```
 */
export async function captureJsonLogs(
  run: () => Promise<unknown>,
): Promise<{ entries: Record<string, unknown>[]; raw: string }> {
  const chunks: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    write.mockRestore();
  }
  const raw = chunks.join('');
  const entries = raw
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { entries, raw };
}
