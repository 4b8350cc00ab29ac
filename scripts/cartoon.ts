/**
 * Try the styles on your own photos:
 *
 *   npm run cartoon -- in.jpg out.jpg --style comic --maxSide 800
 *
 * Options are the same as the HTTP API's query parameters (`npm run cartoon -- --help`).
 * The output format follows the output file's extension unless --format is given.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  CartoonError,
  type CartoonOptions,
  cartoonize,
  configureSharp,
  OPTION_RANGES,
  OUTPUT_FORMATS,
  STYLES,
} from '@cartoon-compute/core';

const NUMERIC_OPTIONS = Object.keys(OPTION_RANGES) as Array<keyof typeof OPTION_RANGES>;
const EXTENSION_FORMATS: Record<string, string> = {
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.png': 'png',
  '.webp': 'webp',
};

function usage(): string {
  const styles = Object.values(STYLES)
    .map((s) => `    ${s.name.padEnd(8)} ${s.description}`)
    .join('\n');
  const ranges = NUMERIC_OPTIONS.map(
    (name) => `    --${name.padEnd(14)} ${OPTION_RANGES[name].min}..${OPTION_RANGES[name].max}`,
  ).join('\n');
  return `usage: npm run cartoon -- <input> <output> [--style NAME] [--format ${OUTPUT_FORMATS.join('|')}] [options]

  styles:
${styles}
  options (default: the style's preset):
${ranges}`;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      style: { type: 'string' },
      format: { type: 'string' },
      ...Object.fromEntries(NUMERIC_OPTIONS.map((name) => [name, { type: 'string' as const }])),
    },
  });
  const [input, output] = positionals;
  if (values.help || !input || !output) {
    console.log(usage());
    return values.help ? 0 : 2;
  }
  const { help: _help, ...given } = values;
  const options = Object.fromEntries(
    Object.entries(given).filter(([, value]) => value !== undefined),
  ) as CartoonOptions;
  options.format ??= (EXTENSION_FORMATS[path.extname(output).toLowerCase()] ??
    'jpeg') as CartoonOptions['format'];

  configureSharp();
  try {
    const result = await cartoonize(await readFile(input), options);
    await writeFile(output, result.data);
    const total = Object.values(result.timings).reduce((sum, ms) => sum + ms, 0);
    console.log(
      `${output}: ${result.style}, ${result.width}x${result.height} ${result.format}, ${result.data.length} bytes, ${total.toFixed(0)} ms`,
    );
    return 0;
  } catch (err) {
    if (err instanceof CartoonError && err.expose) {
      console.error(`${input}: ${err.message} (${err.code})`);
      return 1;
    }
    throw err;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
