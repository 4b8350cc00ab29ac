/**
 * The page's behaviour: reads the styles from GET /styles, sends the photo to each chosen
 * variant (POST /cartoon, or POST /uploads + PUT + GET /cartoons/{id} past the sync limit) and
 * shows the answers side by side, plus the cost panel. Only the public HTTP contract is used.
 */
import { costChartSvg, costRows, panelReport } from './cost-panel';
import {
  describeError,
  describeUploadError,
  parseServerTiming,
  pathFor,
  type TimingEntry,
} from './describe';

interface StylesAnswer {
  styles: { name: string; description: string; defaults: Record<string, number> }[];
  options: Record<
    string,
    { min?: number; max?: number; integer?: boolean; values?: string[]; default?: string }
  >;
}

interface Outcome {
  ok: boolean;
  ms: number;
  path: 'direct' | 'upload';
  cold?: string | null;
  timings: TimingEntry[];
  url?: string;
  error?: string;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const POLL_MS = 500;
const POLL_LIMIT_MS = 120_000;

let photo: File | undefined;
let photoUrl = '';
let styles: StylesAnswer | undefined;

async function loadConfig(): Promise<{ variants: Record<string, string>; report: string | null }> {
  // Served by the local console, which knows every variant; a variant serves the page at
  // GET / and is its own API.
  if (document.body.dataset.mode === 'console') {
    const answer = await fetch('config.json');
    if (answer.ok) return answer.json();
  }
  return { variants: { [location.host]: location.origin }, report: null };
}

function el(tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function renderVariants(variants: Record<string, string>): void {
  const box = $('variants');
  for (const [name, url] of Object.entries(variants)) {
    const label = el('label');
    const input = el('input', { type: 'checkbox', name: 'variant', value: url, checked: '' });
    input.dataset.variant = name;
    label.append(input, name);
    box.append(label);
  }
}

function renderStyles(answer: StylesAnswer): void {
  const select = $<HTMLSelectElement>('style');
  for (const style of answer.styles) select.append(el('option', { value: style.name }, style.name));
  select.addEventListener('change', renderOptions);
  renderOptions();
}

/** Option inputs for the chosen style, each prefilled with the style's default. */
function renderOptions(): void {
  if (!styles) return;
  const name = $<HTMLSelectElement>('style').value;
  const style = styles.styles.find((s) => s.name === name);
  $('style-description').textContent = style?.description ?? '';
  const box = $('options');
  box.replaceChildren();
  for (const [option, range] of Object.entries(styles.options)) {
    const id = `opt-${option}`;
    const label = el('label', { for: id }, option);
    if (range.values) {
      const select = el('select', { id, name: option }) as HTMLSelectElement;
      for (const v of range.values) select.append(el('option', { value: v }, v));
      select.value = range.default ?? range.values[0] ?? '';
      label.append(select);
    } else {
      const value = style?.defaults[option];
      const input = el('input', {
        id,
        name: option,
        type: 'number',
        min: String(range.min ?? ''),
        max: String(range.max ?? ''),
        step: range.integer ? '1' : 'any',
        placeholder: 'default',
      }) as HTMLInputElement;
      if (value !== undefined) input.value = String(value);
      label.append(input);
    }
    box.append(label);
  }
}

function query(): URLSearchParams {
  const params = new URLSearchParams({ style: $<HTMLSelectElement>('style').value });
  for (const input of $('options').querySelectorAll<HTMLInputElement | HTMLSelectElement>(
    'input, select',
  )) {
    if (input.value !== '') params.set(input.name, input.value);
  }
  return params;
}

function pickPhoto(file: File | undefined): void {
  if (!file) return;
  photo = file;
  if (photoUrl) URL.revokeObjectURL(photoUrl);
  photoUrl = URL.createObjectURL(file);
  const preview = $<HTMLImageElement>('preview');
  // Only images preview; a text file is still sent, so the variants can say what they think.
  preview.hidden = !file.type.startsWith('image/');
  preview.src = photoUrl;
  $<HTMLButtonElement>('go').disabled = false;
  $('status').textContent =
    `${file.name}, ${(file.size / 1e6).toFixed(2)} MB: ${pathFor(file.size) === 'direct' ? 'sent directly' : 'sent through an upload (over the sync limit)'}`;
}

async function direct(base: string, file: File): Promise<Outcome> {
  const started = performance.now();
  const answer = await fetch(`${base}/cartoon?${query()}`, {
    method: 'POST',
    headers: { 'content-type': file.type || 'application/octet-stream' },
    body: file,
  });
  const timings = parseServerTiming(answer.headers.get('server-timing'));
  if (!answer.ok) {
    const body = await answer.text();
    return {
      ok: false,
      ms: performance.now() - started,
      path: 'direct',
      timings,
      error: describeError(answer.status, body),
    };
  }
  const blob = await answer.blob();
  return {
    ok: true,
    ms: performance.now() - started,
    path: 'direct',
    cold: answer.headers.get('x-cold-start'),
    timings,
    url: URL.createObjectURL(blob),
  };
}

async function viaUpload(base: string, file: File): Promise<Outcome> {
  const started = performance.now();
  const fail = async (answer: Response): Promise<Outcome> => ({
    ok: false,
    ms: performance.now() - started,
    path: 'upload',
    timings: [],
    error: describeError(answer.status, await answer.text()),
  });
  const created = await fetch(`${base}/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      contentType: file.type,
      contentLength: file.size,
      style: $<HTMLSelectElement>('style').value,
    }),
  });
  if (!created.ok) return fail(created);
  const ticket = (await created.json()) as {
    upload: { method: string; url: string; headers: Record<string, string> };
    result: { status: string };
  };
  // Every header listed is signed into the URL and must be sent as it is (if-none-match: *
  // makes the URL single-use). content-length is set by the browser from the body; it may not
  // be set by a script.
  const { 'content-length': _length, ...headers } = ticket.upload.headers;
  const put = await fetch(ticket.upload.url, { method: ticket.upload.method, headers, body: file });
  if (!put.ok) {
    const error = describeUploadError(put.status, await put.text());
    return { ok: false, ms: performance.now() - started, path: 'upload', timings: [], error };
  }
  let deadline = Date.now() + POLL_LIMIT_MS;
  while (Date.now() < deadline) {
    const answer = await fetch(`${base}${ticket.result.status}`);
    if (!answer.ok) return fail(answer);
    const status = (await answer.json()) as {
      status: string;
      url?: string;
      retryUntil?: string;
      error?: { message?: string };
    };
    // After a transient failure the variant tries again (Lambda's retries come minutes
    // apart): wait as long as it says another attempt may come.
    if (status.retryUntil) deadline = Math.max(deadline, Date.parse(status.retryUntil));
    if (status.status === 'done' && status.url) {
      return {
        ok: true,
        ms: performance.now() - started,
        path: 'upload',
        timings: [],
        url: status.url,
      };
    }
    if (status.status === 'failed') {
      return {
        ok: false,
        ms: performance.now() - started,
        path: 'upload',
        timings: [],
        error: `The variant could not cartoonize this photo: ${status.error?.message ?? 'no reason given'}`,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return {
    ok: false,
    ms: performance.now() - started,
    path: 'upload',
    timings: [],
    error: `No result after ${Math.round((performance.now() - started) / 60_000)} minutes.`,
  };
}

function resultCard(name: string): HTMLElement {
  const card = el('article', { class: 'result', 'data-variant': name, 'aria-busy': 'true' });
  card.append(el('h3', {}, name), el('p', { class: 'muted' }, 'Working…'));
  return card;
}

function fillCard(card: HTMLElement, name: string, outcome: Outcome): void {
  card.replaceChildren(el('h3', {}, name));
  card.setAttribute('aria-busy', 'false');
  card.dataset.state = outcome.ok ? 'done' : 'error';
  if (outcome.ok && outcome.url) {
    const img = el('img', { src: outcome.url, alt: `Cartoon from ${name}` }) as HTMLImageElement;
    const toggle = el(
      'button',
      { type: 'button', class: 'secondary', 'aria-pressed': 'false' },
      'Show before',
    );
    toggle.addEventListener('click', () => {
      const before = toggle.getAttribute('aria-pressed') !== 'true';
      toggle.setAttribute('aria-pressed', String(before));
      toggle.textContent = before ? 'Show after' : 'Show before';
      img.src = before ? photoUrl : (outcome.url ?? '');
      img.alt = before ? 'The original photo' : `Cartoon from ${name}`;
    });
    const download = el(
      'a',
      {
        class: 'button',
        href: outcome.url,
        download: `cartoon-${name}`,
        target: '_blank',
        rel: 'noopener',
      },
      'Download',
    );
    const actions = el('div', { class: 'actions' });
    actions.append(toggle, download);
    card.append(img, actions);
  } else {
    card.append(el('p', { class: 'error', role: 'alert' }, outcome.error ?? 'Failed.'));
  }
  const dl = el('dl');
  const row = (k: string, v: string) =>
    dl.append(el('dt', {}, k), el('dd', { 'data-field': k }, v));
  row('total', `${Math.round(outcome.ms)} ms`);
  row(
    'path',
    outcome.path === 'direct' ? 'POST /cartoon' : 'POST /uploads, PUT, GET /cartoons/{id}',
  );
  if (outcome.cold != null) row('start', outcome.cold === 'true' ? 'cold' : 'warm');
  for (const t of outcome.timings) row(t.name, `${t.ms} ms`);
  card.append(dl);
}

async function run(event: Event): Promise<void> {
  event.preventDefault();
  if (!photo) return;
  const file = photo;
  const results = $('results');
  results.replaceChildren();
  const chosen = [...$('variants').querySelectorAll<HTMLInputElement>('input:checked')];
  $('status').textContent = `Sending to ${chosen.length} variant(s)…`;
  await Promise.all(
    chosen.map(async (input) => {
      const name = input.dataset.variant ?? input.value;
      const card = resultCard(name);
      results.append(card);
      const send = pathFor(file.size) === 'direct' ? direct : viaUpload;
      const outcome = await send(input.value, file).catch(
        (err: Error): Outcome => ({
          ok: false,
          ms: 0,
          path: pathFor(file.size),
          timings: [],
          error: `No answer from the variant (${err.message}).`,
        }),
      );
      fillCard(card, name, outcome);
    }),
  );
  $('status').textContent = 'Done.';
}

function renderCost(): void {
  const num = (id: string) => Number($<HTMLInputElement>(id).value);
  const inputs = {
    requestsPerMonth: num('cost-requests'),
    payloadKb: num('cost-payload'),
    memoryMb: num('cost-memory'),
    durationMs: num('cost-duration'),
  };
  if (!Object.values(inputs).every((v) => Number.isFinite(v) && v >= 0) || inputs.memoryMb < 128)
    return;
  const report = panelReport(inputs);
  const table = $('cost-table');
  const head =
    '<tr><th scope="col">variant</th><th scope="col" class="num">per month</th><th scope="col" class="num">per 1,000 images</th></tr>';
  table.innerHTML = `<caption class="visually-hidden">Monthly cost by variant</caption>${head}`;
  for (const row of costRows(report)) {
    const tr = el('tr', { 'data-variant': row.variant.split(' ')[0] ?? '' });
    tr.append(
      el('th', { scope: 'row' }, row.variant),
      el('td', { class: 'num', 'data-field': 'monthly' }, row.monthly),
      el('td', { class: 'num' }, row.per1000),
    );
    table.append(tr);
  }
  $('break-even').textContent = report.breakEven[0]?.breakEven.reason ?? '';
  $('chart').innerHTML = costChartSvg(report);
  $('prices-checked').textContent = report.pricesChecked;
}

async function main(): Promise<void> {
  const config = await loadConfig();
  renderVariants(config.variants);
  if (config.report) {
    const link = $<HTMLAnchorElement>('report-link');
    link.href = config.report;
    link.hidden = false;
  }
  const file = $<HTMLInputElement>('file');
  file.addEventListener('change', () => pickPhoto(file.files?.[0]));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    pickPhoto(e.dataTransfer?.files[0]);
  });
  $('form').addEventListener('submit', (e) => void run(e));
  $('cost-form').addEventListener('input', renderCost);
  renderCost();
  const first = Object.values(config.variants)[0];
  if (first) {
    const answer = await fetch(`${first}/styles`);
    styles = (await answer.json()) as StylesAnswer;
    renderStyles(styles);
  }
  document.body.dataset.ready = 'true';
}

void main();
