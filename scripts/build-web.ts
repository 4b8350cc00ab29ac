/**
 * Bundles the web page (web/main.ts, with the cost model it imports) with esbuild into one
 * script and inlines it into one HTML document, so the page is a single self-contained answer
 * with no requests for scripts, styles or fonts:
 *
 *   npm run build:web        writes build/web/index.html
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { pageHtml } from '../web/page';

/**
 * The page as one HTML string.
 *
 * @example
 * ```ts
 * const html = await buildWebPage(process.cwd());
 * ```
 */
export async function buildWebPage(root: string): Promise<string> {
  const result = await build({
    entryPoints: [path.join(root, 'web', 'main.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2022',
    platform: 'browser',
    minify: true,
    logLevel: 'silent',
  });
  const js = result.outputFiles[0]?.text ?? '';
  return pageHtml(js);
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  buildWebPage(root).then((html) => {
    const out = path.join(root, 'build', 'web');
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'index.html'), html);
    console.log(`wrote ${path.join(out, 'index.html')} (${html.length} bytes)`);
  });
}
