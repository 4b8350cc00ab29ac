import { parseS3Notification } from '../../services/shared/s3-events';
import { s3PutEvent } from '../support/lambda-events';

describe('parseS3Notification', () => {
  test('decodes keys as S3 encodes them and keeps the ETag bare and the size', () => {
    const event = s3PutEvent('bucket-a', 'uploads/my photo ü.JPG', '"abc123"', 4096);

    const parsed = parseS3Notification(event, 'bucket-a');

    expect(parsed).toEqual({
      uploads: [{ key: 'uploads/my photo ü.JPG', etag: 'abc123', size: 4096 }],
      ignored: 0,
      testEvent: false,
    });
  });

  test('reads the same notification from an SQS message body', () => {
    const body = JSON.stringify(s3PutEvent('bucket-a', 'uploads/IMG_0001.JPG', 'e1', 10));

    expect(parseS3Notification(body, 'bucket-a').uploads).toEqual([
      { key: 'uploads/IMG_0001.JPG', etag: 'e1', size: 10 },
    ]);
  });

  test('skips records of another bucket and events that create nothing', () => {
    const mine = s3PutEvent('bucket-a', 'uploads/a.jpg', 'e1', 1).Records[0];
    const other = s3PutEvent('bucket-b', 'uploads/b.jpg', 'e2', 1).Records[0];
    const removed = { ...s3PutEvent('bucket-a', 'uploads/c.jpg', 'e3', 1).Records[0] };
    removed.eventName = 'ObjectRemoved:Delete';

    const parsed = parseS3Notification({ Records: [mine, other, removed] as never }, 'bucket-a');

    expect(parsed.uploads.map((upload) => upload.key)).toEqual(['uploads/a.jpg']);
    expect(parsed.ignored).toBe(2);
  });

  test('recognises the s3:TestEvent S3 sends when notifications are configured', () => {
    const body = JSON.stringify({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2026-11-28T12:00:00.000Z',
      Bucket: 'bucket-a',
      RequestId: 'EXAMPLE',
      HostId: 'EXAMPLE',
    });

    expect(parseS3Notification(body, 'bucket-a')).toEqual({
      uploads: [],
      ignored: 0,
      testEvent: true,
    });
  });

  test.each([
    ['not JSON', 'hello', /JSON/],
    ['JSON without Records', '{"hello":"world"}', /^Expected an S3 notification/],
    ['null', 'null', /^Expected an S3 notification/],
  ])('refuses a body that is %s', (_name, body, message) => {
    expect(() => parseS3Notification(body, 'bucket-a')).toThrow(message);
  });
});
