/**
 * The page's HTML and CSS, with the bundled script inlined: one document, nothing else to load
 * (no fonts, no CDNs). Colours keep a contrast of at least 4.5:1 against their backgrounds.
 */
const CSS = `
:root { color-scheme: light; --ink: #1b1b1f; --muted: #4a4a55; --accent: #0b57d0; --bad: #a50e0e; --line: #c4c4cc; --bg: #f7f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, sans-serif; color: var(--ink); background: var(--bg); }
header, main { max-width: 1200px; margin: 0 auto; padding: 0.75rem 1rem; }
header { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; align-items: baseline; }
h1 { font-size: 1.4rem; margin: 0; }
h2 { font-size: 1.15rem; margin: 0 0 0.5rem; }
a { color: var(--accent); }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin-bottom: 1rem; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 0.75rem; min-width: 0; }
label { display: inline-flex; flex-wrap: wrap; gap: 0.35rem; align-items: center; margin: 0.2rem 0.8rem 0.2rem 0; max-width: 100%; }
input[type=file] { max-width: 100%; }
th, td, code { overflow-wrap: anywhere; }
input, select, button { font: inherit; }
input[type=number] { width: 7.5rem; }
button, .button { background: var(--accent); color: #fff; border: 0; border-radius: 6px; padding: 0.45rem 0.9rem; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary { background: #fff; color: var(--accent); border: 1px solid var(--accent); }
button:disabled { background: #6b6b75; cursor: default; }
:focus-visible { outline: 3px solid #f29900; outline-offset: 2px; }
#drop { border: 2px dashed var(--muted); border-radius: 8px; padding: 1rem; text-align: center; margin-bottom: 0.75rem; }
#drop.over { background: #e8f0fe; }
#preview { max-height: 160px; max-width: 100%; display: block; margin: 0.5rem auto 0; }
#results { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 1rem; }
.result { border: 1px solid var(--line); border-radius: 8px; padding: 0.75rem; background: #fff; }
.result h3 { margin: 0 0 0.4rem; font-size: 1rem; }
.result img { width: 100%; height: auto; display: block; border-radius: 4px; background: #eee; }
.result .error { color: var(--bad); font-weight: 600; }
.result dl { display: grid; grid-template-columns: auto 1fr; gap: 0 0.75rem; margin: 0.5rem 0; font-size: 0.9rem; }
.result dt { color: var(--muted); }
.result dd { margin: 0; }
.actions { display: flex; gap: 0.5rem; flex-wrap: wrap; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line); }
td.num, th.num { text-align: right; }
#chart svg { width: 100%; height: auto; max-height: 320px; }
.muted { color: var(--muted); font-size: 0.9rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
`;

const BODY = `
<header>
  <h1>Cartoon compute</h1>
  <span class="muted">one service, three deployments, side by side</span>
  <a id="report-link" hidden>Latest load-test report</a>
</header>
<main>
  <section aria-labelledby="try-title">
    <h2 id="try-title">Try a photo</h2>
    <form id="form">
      <div id="drop">
        <label for="file">Photo (drop it here or pick one)</label>
        <input id="file" name="file" type="file" accept="image/*">
        <img id="preview" alt="The photo you picked" hidden>
      </div>
      <fieldset><legend>Style</legend>
        <label for="style">Style <select id="style" name="style"></select></label>
        <span id="style-description" class="muted"></span>
        <div id="options"></div>
      </fieldset>
      <fieldset id="variants"><legend>Variants</legend></fieldset>
      <button id="go" type="submit" disabled>Cartoonize</button>
      <span id="status" role="status" class="muted"></span>
    </form>
  </section>
  <section aria-labelledby="results-title">
    <h2 id="results-title">Results</h2>
    <div id="results" aria-live="polite"></div>
  </section>
  <section aria-labelledby="cost-title">
    <h2 id="cost-title">What a month costs</h2>
    <form id="cost-form">
      <label for="cost-requests">Images a month <input id="cost-requests" type="number" min="0" step="1" value="1000000"></label>
      <label for="cost-payload">Image size (KB) <input id="cost-payload" type="number" min="1" step="1" value="300"></label>
      <label for="cost-memory">Lambda memory (MB) <input id="cost-memory" type="number" min="128" max="10240" step="1" value="1769"></label>
      <label for="cost-duration">Duration per image (ms) <input id="cost-duration" type="number" min="1" step="1" value="500"></label>
    </form>
    <table id="cost-table"><caption class="visually-hidden">Monthly cost by variant</caption></table>
    <p id="break-even"></p>
    <div id="chart"></div>
    <p class="muted">The same model as <code>npm run cost</code> (arm64, us-east-1, no free tier); prices checked <span id="prices-checked"></span>.</p>
  </section>
</main>
`;

/**
 * The whole document, with `script` (the esbuild bundle of web/main.ts) inlined. In `console`
 * mode the page asks its server for the variants (/config.json); in `self` mode (served by a
 * variant at GET /) the page's own origin is the one variant.
 *
 * @example
 * ```ts
 * const html = pageHtml('console.log(1)');
 * ```
 */
export function pageHtml(script: string, mode: 'console' | 'self' = 'console'): string {
  // A "</script" inside the bundle would end the inline element early.
  const safe = script.replace(/<\/script/gi, '<\\/script');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cartoon compute</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body data-mode="${mode}">${BODY}<script>${safe}</script>
</body>
</html>
`;
}
