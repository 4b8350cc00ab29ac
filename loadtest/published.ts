/**
 * Published cold starts of a trivial Node.js function on real Lambda, to set the local figures
 * against. From maxday/lambda-perf, which deploys a hello-world function per runtime and
 * forces ten cold starts a day; `i` holds that day's ten Init Durations. The newest file in
 * the stored copy of the repository is data/2025/2025-12-21.json; it lists nodejs24.x zip
 * functions, and no container-image (`"p":"image"`) nodejs24.x entry was found in it, so no
 * image figure is given rather than one invented.
 */

export interface PublishedColdStart {
  readonly source: string;
  readonly date: string;
  readonly runtime: string;
  readonly packaging: 'zip' | 'image';
  readonly arch: 'arm64' | 'x86_64';
  readonly memoryMb: number;
  /** That day's Init Durations, ms. */
  readonly initDurationsMs: readonly number[];
}

export const PUBLISHED_COLD_STARTS: readonly PublishedColdStart[] = [
  {
    source:
      'https://github.com/maxday/lambda-perf data/2025/2025-12-21.json (lambda-perf-nodejs24x-zip-512-arm64)',
    date: '2025-12-21',
    runtime: 'nodejs24.x',
    packaging: 'zip',
    arch: 'arm64',
    memoryMb: 512,
    initDurationsMs: [122.95, 141.09, 114.02, 136.9, 146.27, 112.58, 155.81, 146.2, 144.62, 116.03],
  },
];
