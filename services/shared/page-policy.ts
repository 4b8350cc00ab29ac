/**
 * The Content-Security-Policy of our self-contained pages (the variants' GET /, the local
 * console, the load-test report): each inline `<script>` and `<style>` allowed by its hash
 * rather than `'unsafe-inline'`, so an injected script or style does not run, and the page
 * allowed to reach only its own origin and the bucket it uploads to and downloads from.
 *
 * Hash sources: https://www.w3.org/TR/CSP3/#grammardef-hash-source (checked 2026-12).
 */
import { createHash } from 'node:crypto';

/** The hashes of a page's inline elements, as CSP hash sources (`'sha256-…'`). */
export interface InlineHashes {
  readonly scripts: readonly string[];
  readonly styles: readonly string[];
}

/**
 * The CSP hash source of an inline element's text, exactly as it stands between its tags.
 *
 * @example
 * ```ts
 * cspHash('console.log(1)'); // "'sha256-…'"
 * ```
 */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * The hashes of every inline `<script>` and `<style>` element of an HTML document.
 *
 * @example
 * ```ts
 * inlineHashes('<style>b{}</style><script>go()</script>'); // { scripts: [...], styles: [...] }
 * ```
 */
export function inlineHashes(html: string): InlineHashes {
  const texts = (tag: string) =>
    [...html.matchAll(new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'gi'))].map(
      (m) => m[1] ?? '',
    );
  return { scripts: texts('script').map(cspHash), styles: texts('style').map(cspHash) };
}

export interface PolicyOptions {
  readonly hashes: InlineHashes;
  /** Origins (beyond the page's own) the page may fetch from and show images of. */
  readonly origins: readonly string[];
}

/**
 * A policy that allows the page's own inline elements, its origin and `origins`, and nothing
 * else: no other script, no plugin, no framing, no form posted elsewhere.
 *
 * @example
 * ```ts
 * contentSecurityPolicy({ hashes: inlineHashes(html), origins: ['https://b.s3.eu-west-1.amazonaws.com'] });
 * ```
 */
export function contentSecurityPolicy({ hashes, origins }: PolicyOptions): string {
  const list = (sources: readonly string[]) => (sources.length > 0 ? sources.join(' ') : "'none'");
  const elsewhere = origins.join(' ');
  return [
    "default-src 'none'",
    `script-src ${list(hashes.scripts)}`,
    `style-src ${list(hashes.styles)}`,
    // blob: previews of the picked photo and results; data: the favicon.
    `img-src 'self' blob: data: ${elsewhere}`.trimEnd(),
    `connect-src 'self' ${elsewhere}`.trimEnd(),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The origin of the bucket's presigned URLs, as the SDK builds them: the configured endpoint
 * (a local one), else S3's regional virtual-hosted name, or the path-style regional host for a
 * bucket name with dots (which would not match S3's TLS certificate as a host name).
 *
 * @example
 * ```ts
 * bucketOrigin({ bucket: 'photos', region: 'eu-west-1' }); // 'https://photos.s3.eu-west-1.amazonaws.com'
 * ```
 */
export function bucketOrigin(config: {
  readonly bucket: string;
  readonly region?: string | undefined;
  readonly s3Endpoint?: string | undefined;
}): string {
  if (config.s3Endpoint !== undefined) return new URL(config.s3Endpoint).origin;
  if (config.region === undefined) return 'https://*.amazonaws.com';
  const domain = config.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  const host = `s3.${config.region}.${domain}`;
  return config.bucket.includes('.') ? `https://${host}` : `https://${config.bucket}.${host}`;
}
