// The README and docs/ cannot rot silently: every relative link and #anchor resolves (GitHub's
// anchor rules), every `npm run X` they name is a script in package.json, and every flag they
// show for `npm start`, `npm run loadtest` and `npm run cost` is one that command's --help
// lists, read from the command itself at test time, so a renamed or removed flag fails here.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  anchors,
  bareFlags,
  helpLists,
  npmScripts,
  relativeLinks,
  shownCommands,
  slug,
} from '../support/markdown-docs';

const ROOT = path.resolve(__dirname, '..', '..');
const DOCS = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

/** The scripts whose flags are checked, the entry point behind each, and its package.json names. */
const COMMANDS = {
  start: { script: 'scripts/start-local-cloud.ts', names: ['start', 'local-cloud'] },
  loadtest: { script: 'scripts/loadtest.ts', names: ['loadtest'] },
  cost: { script: 'scripts/cost.ts', names: ['cost'] },
} as const;
type Command = keyof typeof COMMANDS;
const commandOf = (script: string): Command | undefined =>
  (Object.keys(COMMANDS) as Command[]).find((c) =>
    (COMMANDS[c].names as readonly string[]).includes(script),
  );

/** A page about one command mentions that command's flags on their own, as `--flag`. */
const PAGE_COMMAND: Record<string, Command> = {
  'docs/local-cloud.md': 'start',
  'docs/load-tests.md': 'loadtest',
  'docs/cost.md': 'cost',
};
/** Flags such a page mentions that belong to something else, with what they belong to. */
const NOT_THE_PAGES_COMMAND: Record<string, readonly string[]> = {
  'docs/local-cloud.md': ['--max-old-space-size'], // Node's, set on each Lambda environment
};

const run = promisify(execFile);
const helps = new Map<Command, string>();

beforeAll(async () => {
  // One --help per command, in parallel, through the same tsx the npm scripts use.
  const tsx = require.resolve('tsx/cli', { paths: [ROOT] });
  await Promise.all(
    (Object.keys(COMMANDS) as Command[]).map(async (command) => {
      const { stdout, stderr } = await run(
        process.execPath,
        [tsx, '--tsconfig', 'tsconfig.json', COMMANDS[command].script, '--help'],
        { cwd: ROOT, timeout: 60_000 },
      );
      helps.set(command, `${stdout}\n${stderr}`);
    }),
  );
}, 90_000);

describe('the checker itself', () => {
  it("makes GitHub's anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered", () => {
    expect(slug('The CDK app (lambda-image, fargate, eks)')).toBe(
      'the-cdk-app-lambda-image-fargate-eks',
    );
    expect(slug("lambda-zip's functions")).toBe('lambda-zips-functions');
    expect(slug('The core (`layers/core`)')).toBe('the-core-layerscore');
    expect(slug('Why this way: the measurements')).toBe('why-this-way-the-measurements');
    expect([...anchors('# A\n## Set up\n```sh\n# not a heading\n```\n## Set up')]).toEqual([
      'a',
      'set-up',
      'set-up-1',
    ]);
  });

  it('finds relative links and anchors outside code, and leaves web links alone', () => {
    const links = relativeLinks(
      [
        'See [cost](docs/cost.md#running-it), [top](#a) and [AWS](https://aws.amazon.com).',
        '`[not](a-link.md)`',
        '```',
        '[not](either.md)',
        '```',
        '![shot](docs/web.png)',
      ].join('\n'),
    );
    expect(links).toEqual([
      { line: 1, target: 'docs/cost.md#running-it', path: 'docs/cost.md', anchor: 'running-it' },
      { line: 1, target: '#a', path: '', anchor: 'a' },
      { line: 6, target: 'docs/web.png', path: 'docs/web.png' },
    ]);
  });

  it('finds the npm scripts named and the flags shown for a command', () => {
    const text = [
      'Run `npm start -- --no-cpu-limits`, then `npm run loadtest -- --profile smoke`.',
      '```sh',
      'npm run cost -- --requests 1 --json   # --not-a-flag in a comment',
      'npm run build:layer -- --arch x64',
      '```',
      '`--repeat n` repeats; `npm run cost -- --spot` is not bare.',
    ].join('\n');
    expect(npmScripts(text).sort()).toEqual(['build:layer', 'cost', 'loadtest', 'start']);
    expect(shownCommands(text, ['start', 'loadtest', 'cost'])).toEqual([
      {
        line: 1,
        script: 'start',
        text: 'npm start -- --no-cpu-limits',
        flags: ['--no-cpu-limits'],
      },
      {
        line: 1,
        script: 'loadtest',
        text: 'npm run loadtest -- --profile smoke',
        flags: ['--profile'],
      },
      {
        line: 3,
        script: 'cost',
        text: 'npm run cost -- --requests 1 --json',
        flags: ['--requests', '--json'],
      },
      { line: 6, script: 'cost', text: 'npm run cost -- --spot', flags: ['--spot'] },
    ]);
    expect(bareFlags(text)).toEqual([{ line: 6, flag: '--repeat' }]);
  });

  it('takes a flag as listed only when the help lists it as a flag of its own', () => {
    const help = '  --port <port>  first port\n  --s3-port <port>\n  -h, --help  this text';
    expect(helpLists(help, '--port')).toBe(true);
    expect(helpLists(help, '--help')).toBe(true);
    expect(helpLists('  --s3-port <port>', '--port')).toBe(false);
    expect(helpLists('  --portable', '--port')).toBe(false);
  });
});

describe.each(DOCS)('%s', (file) => {
  const text = read(file);

  it('has only relative links whose file and heading exist', () => {
    const broken = relativeLinks(text).flatMap((link) => {
      const target = link.path === '' ? file : path.join(path.dirname(file), link.path);
      if (!existsSync(path.join(ROOT, target)))
        return [`${file}:${link.line} ${link.target}: no such file`];
      if (link.anchor === undefined) return [];
      if (statSync(path.join(ROOT, target)).isDirectory() || !target.endsWith('.md')) {
        return [`${file}:${link.line} ${link.target}: an anchor into a file that has no headings`];
      }
      return anchors(read(target)).has(link.anchor)
        ? []
        : [`${file}:${link.line} ${link.target}: no heading with that anchor in ${target}`];
    });
    expect(broken).toEqual([]);
  });

  it('names only npm scripts that package.json has', () => {
    const scripts = Object.keys(JSON.parse(read('package.json')).scripts as Record<string, string>);
    expect(npmScripts(text).filter((name) => !scripts.includes(name))).toEqual([]);
  });

  it('shows npm start, npm run loadtest and npm run cost only with flags their --help lists', () => {
    const names = Object.values(COMMANDS).flatMap((c) => [...c.names]);
    const unknown = shownCommands(text, names).flatMap((shown) => {
      const command = commandOf(shown.script);
      const help = command === undefined ? undefined : helps.get(command);
      if (help === undefined) return [`${file}:${shown.line} ${shown.text}: no --help read`];
      return shown.flags
        .filter((flag) => !helpLists(help, flag))
        .map((flag) => `${file}:${shown.line} ${shown.text}: ${flag} is not in its --help`);
    });
    expect(unknown).toEqual([]);
  });

  const pageCommand = PAGE_COMMAND[file];
  if (pageCommand !== undefined) {
    it(`mentions only flags that npm run ${pageCommand}'s --help lists`, () => {
      const help = helps.get(pageCommand) ?? '';
      const others = NOT_THE_PAGES_COMMAND[file] ?? [];
      const unknown = bareFlags(text)
        .filter(({ flag }) => !others.includes(flag) && !helpLists(help, flag))
        .map(({ line, flag }) => `${file}:${line} ${flag} is not in npm run ${pageCommand} --help`);
      expect(help).toContain('--help');
      expect(unknown).toEqual([]);
    });
  }
});
