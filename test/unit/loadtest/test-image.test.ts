import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import {
  makePhonePhoto,
  PHONE_HEIGHT,
  PHONE_WIDTH,
  testImage,
} from '../../../loadtest/node/test-image';
import { LAMBDA_SYNC_RAW_BYTES } from '../../../services/shared/config';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('testImage', () => {
  let cache: string;
  beforeAll(() => {
    cache = mkdtempSync(path.join(tmpdir(), 'phone-'));
  });
  afterAll(() => rmSync(cache, { recursive: true, force: true }));

  it('makes a 12 MP phone photo of a phone camera size, under Lambda’s synchronous limit', async () => {
    const phone = await testImage('phone', 320, cache);
    const meta = await sharp(phone.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', PHONE_WIDTH, PHONE_HEIGHT]);
    expect(phone.width * phone.height).toBe(12_000_000);
    // A phone camera writes 12 MP at about 3-5 MB; base64 of more than 4.5 MB would not fit.
    expect(phone.bytes.length).toBeGreaterThan(2_500_000);
    expect(phone.bytes.length).toBeLessThan(LAMBDA_SYNC_RAW_BYTES);
    expect(readdirSync(cache)).toHaveLength(1);
  }, 60_000);

  it('makes the same bytes every time, and reads them back from its cache', async () => {
    const again = await makePhonePhoto();
    const cached = await testImage('phone', 320, cache);
    expect(sha(again)).toBe(sha(cached.bytes));
  }, 60_000);

  it('keeps the small photo as an option, at the side asked for', async () => {
    const small = await testImage('small', 200, cache);
    expect(small.kind).toBe('small');
    expect(Math.max(small.width, small.height)).toBe(200);
    expect(small.name).toBe('rocket.jpg at 200 px');
    expect(existsSync(cache)).toBe(true);
  });
});
