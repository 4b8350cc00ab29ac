// Which load-test report the console links: the newest folder that has a report.html.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { latestReport } from '../../../local-cloud/console';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'console-reports-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function report(name: string, withHtml = true): void {
  mkdirSync(path.join(dir, name));
  if (withHtml) writeFileSync(path.join(dir, name, 'report.html'), '<html></html>');
}

it('links the newest report folder', () => {
  report('2026-11-27T10-00-00Z');
  report('2026-11-28T09-00-00Z');
  expect(latestReport(dir)).toBe('2026-11-28T09-00-00Z/report.html');
});

it('skips a newer folder without report.html (a run still going)', () => {
  report('2026-11-27T10-00-00Z');
  report('2026-11-28T09-00-00Z', false);
  expect(latestReport(dir)).toBe('2026-11-27T10-00-00Z/report.html');
});

it('links nothing when there are no reports', () => {
  expect(latestReport(path.join(dir, 'missing'))).toBeUndefined();
});
