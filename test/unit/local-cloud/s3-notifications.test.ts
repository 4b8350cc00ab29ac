import { eventKey, matchingRules, s3Notification } from '../../../local-cloud/s3-notifications';
import type { NotificationRule } from '../../../local-cloud/topology';
import { parseS3Notification } from '../../../services/shared/s3-events';

const target = { kind: 'function', logicalId: 'ProcessLambdaFunction' } as const;
const created = {
  bucket: 'photos',
  key: 'uploads/my photo+1.jpg',
  eventName: 'Put',
  size: 1234,
  eTag: 'abc123',
  sourceIp: '127.0.0.1',
  requestId: 'REQ1',
} as const;

describe('s3-notifications', () => {
  it('encodes keys as S3 does in event records: + for a space, / kept', () => {
    expect(eventKey('uploads/my photo+1.jpg')).toBe('uploads/my+photo%2B1.jpg');
    expect(eventKey('uploads/ä (1).jpg')).toBe('uploads/%C3%A4+%281%29.jpg');
  });

  it('builds the version 2.1 record the services parse back to the same key', () => {
    const notification = s3Notification(created, { region: 'us-east-1', configurationId: 'c1' });
    const [record] = notification.Records;
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'c1',
        bucket: { name: 'photos', arn: 'arn:aws:s3:::photos' },
        object: { key: 'uploads/my+photo%2B1.jpg', size: 1234, eTag: 'abc123' },
      },
    });
    const s3 = record?.s3 as { object: { sequencer: string } } | undefined;
    expect(s3?.object.sequencer).toMatch(/^[0-9A-F]{18,}$/);
    expect(parseS3Notification(notification as never, 'photos').uploads).toEqual([
      { key: 'uploads/my photo+1.jpg', etag: 'abc123', size: 1234 },
    ]);
  });

  it('matches prefix and suffix case-sensitively, as S3 does', () => {
    const rules: NotificationRule[] = [
      { events: ['s3:ObjectCreated:*'], prefix: 'uploads/', suffix: '.jpg', target },
    ];
    expect(matchingRules(rules, { eventName: 'Put', key: 'uploads/a.jpg' })).toHaveLength(1);
    expect(matchingRules(rules, { eventName: 'Put', key: 'uploads/IMG_0001.JPG' })).toHaveLength(0);
    expect(matchingRules(rules, { eventName: 'Put', key: 'Uploads/a.jpg' })).toHaveLength(0);
    expect(matchingRules(rules, { eventName: 'Put', key: 'cartoons/a.jpg' })).toHaveLength(0);
  });

  it('fires a prefix-only rule for every created object under it, by event name', () => {
    const rules: NotificationRule[] = [
      { events: ['s3:ObjectCreated:Copy'], prefix: 'uploads/', target },
    ];
    expect(matchingRules(rules, { eventName: 'Copy', key: 'uploads/IMG_0001.JPG' })).toHaveLength(
      1,
    );
    expect(matchingRules(rules, { eventName: 'Put', key: 'uploads/IMG_0001.JPG' })).toHaveLength(0);
  });
});
