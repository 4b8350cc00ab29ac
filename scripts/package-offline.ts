/**
 * `serverless package` without an AWS account: `npm run package` runs this after building the
 * layer and the functions.
 *
 * osls asks CloudFormation, while packaging, whether the deployed stack already holds the same
 * layer (so a deploy can skip re-uploading it). With no account there is no stack: this script
 * answers that one question locally, the way CloudFormation answers for a stack that does not
 * exist, and points the framework at it. Nothing else is sent anywhere. Arguments are passed
 * on: `npm run package -- --stage prod --region us-east-1`.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/** What CloudFormation's query API returns for DescribeStacks of a stack that does not exist. */
const NO_SUCH_STACK = `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack does not exist</Message></Error>
  <RequestId>offline</RequestId>
</ErrorResponse>`;

async function main(): Promise<number> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(400, { 'content-type': 'text/xml' }).end(NO_SUCH_STACK);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const cli = require.resolve('serverless/bin/serverless.js');
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [cli, 'package', ...process.argv.slice(2)], {
        cwd: ROOT,
        stdio: 'inherit',
        env: {
          ...process.env,
          AWS_ENDPOINT_URL_CLOUDFORMATION: `http://127.0.0.1:${port}`,
          AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'offline',
          AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'offline',
        },
      });
      child.on('error', reject);
      child.on('exit', (code) => resolve(code ?? 1));
    });
  } finally {
    server.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
