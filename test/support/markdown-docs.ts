/**
 * Reads the project's Markdown (README.md, docs/*.md) the way GitHub renders it, for the test
 * that keeps the docs from rotting silently (test/unit/docs.test.ts): the links and anchors
 * they contain, the headings an anchor may point at, the `npm run` scripts they name and the
 * flags of the commands they show. Plain text in, plain data out; the test does the file and
 * process work.
 */

/** A Markdown file's lines, each marked as inside a fenced code block or not. */
interface Line {
  readonly text: string;
  readonly fenced: boolean;
  readonly number: number;
}

function lines(markdown: string): Line[] {
  let fence: string | undefined;
  return markdown.split('\n').map((text, index) => {
    const marker = /^\s*(```+|~~~+)/.exec(text)?.[1];
    if (marker !== undefined) {
      const opening = fence === undefined;
      if (opening) fence = marker;
      else if (marker.startsWith(fence ?? '')) fence = undefined;
      return { text, fenced: true, number: index + 1 };
    }
    return { text, fenced: fence !== undefined, number: index + 1 };
  });
}

/**
 * GitHub's anchor for a heading: the rendered text lower-cased, every character that is not a
 * letter, digit, mark, space, hyphen or underscore dropped, each space made a hyphen (the rules
 * of github-slugger, which GitHub uses).
 *
 * @example
 * ```ts
 * slug("The CDK app (lambda-image, fargate, eks)"); // 'the-cdk-app-lambda-image-fargate-eks'
 * slug("lambda-zip's functions"); // 'lambda-zips-functions'
 * ```
 */
export function slug(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim();
  return rendered
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/**
 * The anchors a file's headings make, outside code blocks, with GitHub's `-1`, `-2` suffixes for
 * repeated headings.
 *
 * @example
 * ```ts
 * anchors('# A\n## Set up\n## Set up'); // Set { 'a', 'set-up', 'set-up-1' }
 * ```
 */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of lines(markdown)) {
    const heading = line.fenced ? undefined : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line.text)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** A relative link: where it points (`path` empty for the same file) and its `#anchor`. */
export interface RelativeLink {
  readonly line: number;
  readonly target: string;
  readonly path: string;
  readonly anchor?: string;
}

/**
 * Every link and image outside code blocks and inline code whose target is in this repository:
 * not `http(s):`, `mailto:` or another scheme.
 *
 * @example
 * ```ts
 * relativeLinks('See [cost](docs/cost.md#running-it) and [AWS](https://aws.amazon.com).');
 * // [{ line: 1, target: 'docs/cost.md#running-it', path: 'docs/cost.md', anchor: 'running-it' }]
 * ```
 */
export function relativeLinks(markdown: string): RelativeLink[] {
  const found: RelativeLink[] = [];
  for (const line of lines(markdown)) {
    if (line.fenced) continue;
    const prose = line.text.replace(/`[^`]*`/g, '');
    for (const match of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1] ?? '';
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const hash = target.indexOf('#');
      const path = hash === -1 ? target : target.slice(0, hash);
      const anchor = hash === -1 ? undefined : target.slice(hash + 1);
      found.push({
        line: line.number,
        target,
        path: decodeURI(path),
        ...(anchor === undefined ? {} : { anchor }),
      });
    }
  }
  return found;
}

/**
 * The npm scripts a text names: `npm run X` (with or without `--` after it), and `npm start` and
 * `npm test`, which run the scripts of those names.
 *
 * @example
 * ```ts
 * npmScripts('npm start, then `npm run loadtest -- --profile smoke`'); // ['start', 'loadtest']
 * ```
 */
export function npmScripts(markdown: string): string[] {
  const names = new Set<string>();
  for (const match of markdown.matchAll(
    /\bnpm (?:run(?:-script)? (?:-s )?([\w:.-]+)|(start|test)\b)/g,
  )) {
    const name = match[1] ?? match[2];
    if (name !== undefined) names.add(name);
  }
  return [...names];
}

/** A command shown in the docs, for one of the scripts whose flags are checked. */
export interface ShownCommand {
  readonly line: number;
  /** The script, as named in package.json (`npm start` is `start`). */
  readonly script: string;
  readonly text: string;
  /** Every `--flag` given to it, without values. */
  readonly flags: readonly string[];
}

function flagsOf(args: string): string[] {
  return [...args.matchAll(/(?:^|\s)(--[a-z0-9][a-z0-9-]*)/gi)].map((m) => m[1] ?? '');
}

/**
 * The commands shown for `scripts` (e.g. `start`, `local-cloud`, `loadtest`, `cost`), in code
 * blocks (one a line, up to a `#` comment) and in inline code, with the flags each is given.
 *
 * @example
 * ```ts
 * shownCommands('Run `npm run loadtest -- --profile smoke`.', ['loadtest']);
 * // [{ line: 1, script: 'loadtest', text: 'npm run loadtest -- --profile smoke', flags: ['--profile'] }]
 * ```
 */
export function shownCommands(markdown: string, scripts: readonly string[]): ShownCommand[] {
  const found: ShownCommand[] = [];
  const pattern = /\bnpm (?:run ([\w:.-]+)|(start|test)\b)(.*)/;
  for (const line of lines(markdown)) {
    const pieces = line.fenced
      ? [line.text.replace(/\s#\s.*$/, '')]
      : [...line.text.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
    for (const piece of pieces) {
      const match = pattern.exec(piece);
      const script = match?.[1] ?? match?.[2];
      if (match === null || script === undefined || !scripts.includes(script)) continue;
      found.push({
        line: line.number,
        script,
        text: match[0].trim(),
        flags: flagsOf(match[3] ?? ''),
      });
    }
  }
  return found;
}

/**
 * The flags a page mentions on their own in inline code (`--repeat n`), which a page about one
 * command means as that command's flags.
 *
 * @example
 * ```ts
 * bareFlags('`--repeat n` runs every scenario; `npm run cost -- --json`'); // [{ line: 1, flag: '--repeat' }]
 * ```
 */
export function bareFlags(markdown: string): { line: number; flag: string }[] {
  const found: { line: number; flag: string }[] = [];
  for (const line of lines(markdown)) {
    if (line.fenced) continue;
    for (const span of line.text.matchAll(/`(--[^`]+)`/g)) {
      for (const flag of flagsOf(span[1] ?? '')) found.push({ line: line.number, flag });
    }
  }
  return found;
}

/**
 * Whether a command's `--help` text lists `flag` as a flag of its own (not as part of a longer
 * one: `--port` is not `--s3-port`).
 *
 * @example
 * ```ts
 * helpLists('  --port <port>  first port\n  --s3-port <port>', '--port'); // true
 * helpLists('  --s3-port <port>', '--port'); // false
 * ```
 */
export function helpLists(help: string, flag: string): boolean {
  const escaped = flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[\\s,(\`])${escaped}(?![\\w-])`, 'm').test(help);
}
