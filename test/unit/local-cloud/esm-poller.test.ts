// The event source mapping's pure parts: the SQS event Lambda builds, and how a function's
// partial batch answer decides which messages stay.
import { failedIds, lambdaMessageAttributes, sqsEvent } from '../../../local-cloud/esm-poller';

const ARN = 'arn:aws:sqs:us-east-1:000000000000:uploads';

describe('sqsEvent', () => {
  it('builds records in Lambda’s shape, one per message, in order', () => {
    const event = sqsEvent(
      [
        {
          MessageId: 'm1',
          ReceiptHandle: 'r1',
          Body: '{"Records":[]}',
          Attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1700000000000' },
        },
        { MessageId: 'm2', ReceiptHandle: 'r2', Body: 'x' },
      ],
      ARN,
      'us-east-1',
    );

    expect(event.Records.map((r) => r.messageId)).toEqual(['m1', 'm2']);
    expect(event.Records[0]).toMatchObject({
      receiptHandle: 'r1',
      body: '{"Records":[]}',
      eventSource: 'aws:sqs',
      eventSourceARN: ARN,
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1700000000000' },
    });
    // md5 of "x", computed when SQS did not send one.
    expect(event.Records[1]?.md5OfBody).toBe('9dd4e461268c8034f5c8564e155c67a6');
  });
});

describe('lambdaMessageAttributes', () => {
  it('passes the stored attributes in Lambda’s shape: camel case, binary as base64', () => {
    const event = sqsEvent(
      [
        {
          MessageId: 'm1',
          Body: 'x',
          MD5OfMessageAttributes: 'abc',
          MessageAttributes: {
            kind: { DataType: 'String', StringValue: 'upload' },
            size: { DataType: 'Number.int', StringValue: '42' },
            thumb: { DataType: 'Binary', BinaryValue: Uint8Array.from([0, 1, 255]) },
          },
        },
      ],
      ARN,
      'us-east-1',
    );

    expect(event.Records[0]?.messageAttributes).toEqual({
      kind: {
        stringValue: 'upload',
        stringListValues: [],
        binaryListValues: [],
        dataType: 'String',
      },
      size: {
        stringValue: '42',
        stringListValues: [],
        binaryListValues: [],
        dataType: 'Number.int',
      },
      thumb: {
        binaryValue: 'AAH/',
        stringListValues: [],
        binaryListValues: [],
        dataType: 'Binary',
      },
    });
    expect(event.Records[0]?.md5OfMessageAttributes).toBe('abc');
  });

  it('gives an empty map to a message without attributes', () => {
    expect(lambdaMessageAttributes(undefined)).toEqual({});
  });
});

describe('failedIds', () => {
  const batch = ['a', 'b', 'c'];

  it('retries nothing when the answer has no batchItemFailures', () => {
    expect(failedIds(batch, { batchItemFailures: [] })).toEqual(new Set());
    expect(failedIds(batch, undefined)).toEqual(new Set());
  });

  it('retries exactly the reported messages', () => {
    expect(failedIds(batch, { batchItemFailures: [{ itemIdentifier: 'b' }] })).toEqual(
      new Set(['b']),
    );
  });

  it('retries the whole batch when the answer names an unknown or empty id, as Lambda does', () => {
    expect(failedIds(batch, { batchItemFailures: [{ itemIdentifier: 'zzz' }] })).toEqual(
      new Set(batch),
    );
    expect(failedIds(batch, { batchItemFailures: [{ itemIdentifier: '' }] })).toEqual(
      new Set(batch),
    );
    expect(failedIds(batch, { batchItemFailures: 'nope' })).toEqual(new Set(batch));
  });
});
