import {
  httpApiEvent,
  isTextType,
  matchRoute,
  readHttpApiResponse,
} from '../../../local-cloud/http-api-event';

const context = { accountId: '000000000000', apiId: 'lambda-zip', domainName: '127.0.0.1' };

describe('http-api-event', () => {
  it('builds the payload 2.0 event: lower-case joined headers, cookies, query, context', () => {
    const event = httpApiEvent(
      {
        method: 'POST',
        url: '/cartoons/abc?style=comic&tag=a&tag=b',
        rawHeaders: [
          'Content-Type',
          'application/json',
          'X-Multi',
          '1',
          'x-multi',
          '2',
          'Cookie',
          'a=1; b=2',
          'User-Agent',
          'curl/8',
        ],
        body: Buffer.from('{"x":1}'),
        sourceIp: '127.0.0.1',
        protocol: 'HTTP/1.1',
      },
      { routeKey: 'POST /cartoons/{id}', pathParameters: { id: 'abc' } },
      context,
      'req-1',
      new Date(Date.UTC(2026, 10, 28, 15, 4, 5)),
    );
    expect(event).toEqual({
      version: '2.0',
      routeKey: 'POST /cartoons/{id}',
      rawPath: '/cartoons/abc',
      rawQueryString: 'style=comic&tag=a&tag=b',
      cookies: ['a=1', 'b=2'],
      headers: { 'content-type': 'application/json', 'x-multi': '1,2', 'user-agent': 'curl/8' },
      queryStringParameters: { style: 'comic', tag: 'a,b' },
      pathParameters: { id: 'abc' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'lambda-zip',
        domainName: '127.0.0.1',
        domainPrefix: '127',
        http: {
          method: 'POST',
          path: '/cartoons/abc',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'curl/8',
        },
        requestId: 'req-1',
        routeKey: 'POST /cartoons/{id}',
        stage: '$default',
        time: '28/Nov/2026:15:04:05 +0000',
        timeEpoch: Date.UTC(2026, 10, 28, 15, 4, 5),
      },
      body: '{"x":1}',
      isBase64Encoded: false,
    });
  });

  it('base64-encodes every body that is not a text type', () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x80]);
    const event = httpApiEvent(
      {
        method: 'POST',
        url: '/cartoon',
        rawHeaders: ['content-type', 'image/jpeg'],
        body: jpeg,
        sourceIp: '::1',
        protocol: 'HTTP/1.1',
      },
      { routeKey: 'POST /cartoon' },
      context,
      'r',
    );
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body ?? '', 'base64')).toEqual(jpeg);
    expect(event.queryStringParameters).toBeUndefined();
    expect(
      [
        'text/plain',
        'application/json; charset=utf-8',
        'application/xml',
        'application/javascript',
        'application/problem+json',
      ].every(isTextType),
    ).toBe(true);
    expect(
      [undefined, 'image/png', 'application/octet-stream', 'multipart/form-data'].some(isTextType),
    ).toBe(false);
  });

  it('matches routes as API Gateway prioritises them', () => {
    const keys = ['GET /cartoons/{id}', 'GET /cartoons/latest', 'ANY /files/{proxy+}', '$default'];
    expect(matchRoute(keys, 'GET', '/cartoons/latest')).toEqual({
      routeKey: 'GET /cartoons/latest',
    });
    expect(matchRoute(keys, 'GET', '/cartoons/x%20y')).toEqual({
      routeKey: 'GET /cartoons/{id}',
      pathParameters: { id: 'x y' },
    });
    expect(matchRoute(keys, 'DELETE', '/files/a/b')).toEqual({
      routeKey: 'ANY /files/{proxy+}',
      pathParameters: { proxy: 'a/b' },
    });
    expect(matchRoute(keys, 'GET', '/cartoons/a/b')).toEqual({ routeKey: '$default' });
    expect(matchRoute(['GET /health'], 'POST', '/health')).toBeUndefined();
  });

  it('reads structured responses, binary bodies and cookies', () => {
    const response = readHttpApiResponse(
      Buffer.from(
        JSON.stringify({
          statusCode: 201,
          headers: { 'Content-Type': 'image/png' },
          cookies: ['a=1'],
          body: Buffer.from([1, 2, 255]).toString('base64'),
          isBase64Encoded: true,
        }),
      ),
    );
    expect(response).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'image/png' },
      cookies: ['a=1'],
      body: Buffer.from([1, 2, 255]),
    });
  });

  it('infers a 200 JSON response from an answer without statusCode', () => {
    expect(readHttpApiResponse(Buffer.from('"hello"'))?.body.toString()).toBe('hello');
    const object = readHttpApiResponse(Buffer.from('{"a":1}'));
    expect([object?.statusCode, object?.headers['content-type'], object?.body.toString()]).toEqual([
      200,
      'application/json',
      '{"a":1}',
    ]);
    expect(readHttpApiResponse(Buffer.from('not json'))).toBeUndefined();
    expect(readHttpApiResponse(Buffer.from('{"statusCode":"abc"}'))).toBeUndefined();
  });

  it.each([
    ['headers as a string', { statusCode: 200, headers: 'content-type: text/plain', body: 'x' }],
    ['headers as an array', { statusCode: 200, headers: [['a', 'b']], body: 'x' }],
    ['a header value as an object', { statusCode: 200, headers: { a: { b: 1 } }, body: 'x' }],
    ['body as an object', { statusCode: 200, body: { hello: 'world' } }],
    ['body as a number', { statusCode: 200, body: 42 }],
  ])('treats %s as a malformed response (API Gateway answers 500)', (_name, answer) => {
    expect(readHttpApiResponse(Buffer.from(JSON.stringify(answer)))).toBeUndefined();
  });

  it('takes null headers and body as absent, and number header values as text', () => {
    const response = readHttpApiResponse(
      Buffer.from(
        JSON.stringify({ statusCode: 204, headers: { 'x-n': 5, 'x-gone': null }, body: null }),
      ),
    );
    expect(response).toEqual({
      statusCode: 204,
      headers: { 'x-n': '5' },
      cookies: [],
      body: Buffer.alloc(0),
    });
  });
});
