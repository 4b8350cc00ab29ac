import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AsyncEventStore } from '../../../local-cloud/async-event-store';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'async-event-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';

describe('AsyncEventStore', () => {
  it('keeps events byte for byte, oldest first, until removed', () => {
    const store = new AsyncEventStore(path.join(dir, 'fn'));
    const binary = Buffer.from([0, 1, 2, 255]);
    store.save({ requestId: B, payload: Buffer.from('{"b":1}'), acceptedAt: 2000, attempts: 0 });
    store.save({
      requestId: A,
      payload: binary,
      acceptedAt: 1000,
      attempts: 2,
      last: { functionError: 'Unhandled', payload: Buffer.from('{"errorType":"Error"}') },
    });

    const loaded = new AsyncEventStore(path.join(dir, 'fn')).load();

    expect(loaded.map((e) => e.requestId)).toEqual([A, B]);
    expect(loaded[0]?.payload.equals(binary)).toBe(true);
    expect(loaded[0]?.last?.payload.toString()).toBe('{"errorType":"Error"}');
    expect(loaded[0]?.attempts).toBe(2);
    store.remove(A);
    expect(store.load().map((e) => e.requestId)).toEqual([B]);
    expect(readdirSync(path.join(dir, 'fn'))).toEqual([`${B}.json`]);
  });

  it('finds nothing in a folder that does not exist, and skips files that are not its own', () => {
    expect(new AsyncEventStore(path.join(dir, 'missing')).load()).toEqual([]);
    writeFileSync(path.join(dir, 'notes.json'), '{}');
    writeFileSync(path.join(dir, `${A}.json`), 'not json');
    expect(new AsyncEventStore(dir).load()).toEqual([]);
  });

  it('refuses a request id that is not a UUID, so no name escapes its folder', () => {
    const store = new AsyncEventStore(dir);
    expect(() =>
      store.save({ requestId: '../x', payload: Buffer.alloc(0), acceptedAt: 0, attempts: 0 }),
    ).toThrow('bad request id ../x');
  });
});
