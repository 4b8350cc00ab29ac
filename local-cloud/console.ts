/**
 * The console: serves the web page (web/) on its own loopback port, with `/config.json`
 * telling the page where the variants are, and `/report` pointing at the latest load-test
 * report. The page itself speaks only the public HTTP contract to the variants.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import path from 'node:path';
import { buildWebPage } from '../scripts/build-web';
import { contentSecurityPolicy, inlineHashes } from '../services/shared/page-policy';
import { listen } from './listen';

/** What the page reads from `/config.json`. */
export interface ConsoleConfig {
  readonly variants: Readonly<Record<string, string>>;
  /** Path of the latest load-test report on this server, when one exists. */
  readonly report: string | null;
}

export interface ConsoleOptions {
  readonly host?: string;
  readonly port?: number;
  /** The repository root: web/ is bundled from it, reports/ read from it. */
  readonly root: string;
  /** The variants' URLs, by name; known only once they have started. */
  readonly variants: () => Readonly<Record<string, string>>;
}

export interface ConsoleServer {
  readonly url: string;
  close(): Promise<void>;
}

/** The newest `reports/<timestamp>/report.html`, relative to reports/, or undefined. */
export function latestReport(reportsDir: string): string | undefined {
  if (!existsSync(reportsDir)) return undefined;
  // Timestamps sort as text (ISO-like folder names), newest last.
  const dirs = readdirSync(reportsDir)
    .filter((d) => existsSync(path.join(reportsDir, d, 'report.html')))
    .sort();
  const last = dirs[dirs.length - 1];
  return last === undefined ? undefined : `${last}/report.html`;
}

/**
 * Bundles the page and starts serving it.
 *
 * @example
 * ```ts
 * const console = await startConsole({ root, variants: () => ({ fargate: lb.url }) });
 * await fetch(`${console.url}/config.json`);
 * ```
 */
export async function startConsole(options: ConsoleOptions): Promise<ConsoleServer> {
  const page = await buildWebPage(options.root);
  const reports = path.join(options.root, 'reports');
  // The page runs its own inline script and style (by hash) and reaches only this host's
  // ports: the variants' front doors and load balancers, and the S3 endpoint.
  const csp = contentSecurityPolicy({
    hashes: inlineHashes(page),
    origins: [`http://${options.host ?? '127.0.0.1'}:*`],
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://console');
    req.resume();
    if (req.method !== 'GET') return send(res, 405, 'text/plain', 'GET only', csp);
    if (url.pathname === '/' || url.pathname === '/index.html') {
      return send(res, 200, 'text/html; charset=utf-8', page, csp);
    }
    if (url.pathname === '/config.json') {
      const latest = latestReport(reports);
      const config: ConsoleConfig = {
        variants: options.variants(),
        report: latest === undefined ? null : `/reports/${latest}`,
      };
      return send(res, 200, 'application/json', JSON.stringify(config), csp);
    }
    const report = /^\/reports\/([\w.:-]+)\/report\.html$/.exec(url.pathname)?.[1];
    if (report !== undefined && !report.startsWith('.')) {
      const file = path.join(reports, report, 'report.html');
      if (existsSync(file)) {
        // The report is self-contained (chart.js and its data inline): its own scripts and
        // style may run, by hash, and it loads nothing.
        const html = readFileSync(file, 'utf8');
        const own = contentSecurityPolicy({ hashes: inlineHashes(html), origins: [] });
        return send(res, 200, 'text/html; charset=utf-8', html, own);
      }
    }
    send(res, 404, 'text/plain', 'Not found', csp);
  });
  return listen(server, options);
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  csp: string,
): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': String(Buffer.byteLength(body)),
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}
