// The page every variant serves at GET / is a committed, generated module: it must be what
// `npm run build:web` makes from web/ now, or the deployed page lags the console's.
import path from 'node:path';
import { buildWebPage } from '../../scripts/build-web';
import { WEB_PAGE } from '../../services/shared/web-page.generated';

it('services/shared/web-page.generated.ts is up to date with web/ (npm run build:web)', async () => {
  const fresh = await buildWebPage(path.resolve(__dirname, '..', '..'), 'self');
  expect(WEB_PAGE).toBe(fresh);
});

it('is one document with its script inline and nothing loaded from elsewhere', () => {
  expect(WEB_PAGE).toMatch(/^<!doctype html>/);
  expect(WEB_PAGE).toContain('data-mode="self"');
  // Price sources are quoted in the cost model's text; nothing is fetched or linked from them.
  expect(WEB_PAGE).not.toMatch(/(src|href)=["']?https?:|@import|url\(https?:/i);
});
