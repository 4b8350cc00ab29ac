/**
 * The local AWS endpoint for S3 and SQS: fauxqs (an npm S3/SQS/SNS emulator) in its own child
 * process, behind a small HTTP proxy on loopback. The proxy is there because fauxqs has no
 * bucket-notification API: it sees every request that creates an object (PutObject, presigned
 * PUT, browser form POST, CopyObject, CompleteMultipartUpload, from the SDK or the AWS CLI)
 * and reports it once
 * S3 has answered 200, so notifications fire for every upload route. Bodies pass through
 * untouched; fauxqs itself decodes aws-chunked uploads and trailing checksums.
 *
 * The proxy also does what fauxqs does not and S3 does: it checks presigned (query-string
 * SigV4) requests against the endpoint's credentials (presigned-auth.ts), and honours
 * `If-None-Match: *` on a PUT (conditional writes: 412 when the key exists, 409 while another
 * conditional write to it is under way), answering with S3's XML errors (s3-error.ts).
 *
 * fauxqs runs in a child because it is ESM-only (an `import`-only export map) and this code
 * is CommonJS (jest, tsc). With a state folder, buckets, objects (as files) and queues survive
 * a restart: fauxqs 2 persists SQS to SQLite (node:sqlite) and S3 objects to plain files.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { cors } from './cors';
import { presignedAuth } from './presigned-auth';
import { type S3Refusal, sendS3Error } from './s3-error';

/** What the proxy saw: an object now exists, made by this S3 operation. */
export interface ObjectCreated {
  readonly bucket: string;
  /** The key, decoded. */
  readonly key: string;
  readonly eventName: 'Put' | 'Post' | 'Copy' | 'CompleteMultipartUpload';
  readonly size: number;
  /** Without quotes. */
  readonly eTag: string;
  readonly sourceIp: string;
  readonly requestId: string;
}

export interface S3EndpointOptions {
  /** Port of the endpoint clients use; 0 for an ephemeral one. */
  readonly port?: number;
  readonly host?: string;
  readonly region?: string;
  /** Folder for persistent state; in memory only when undefined. */
  readonly stateDir?: string;
  readonly buckets: readonly string[];
  /** Queue names, or names with SQS attributes (VisibilityTimeout, RedrivePolicy as JSON…). */
  readonly queues: readonly (string | QueueDeclaration)[];
  readonly onObjectCreated?: (event: ObjectCreated) => void;
  /** The one browser origin allowed to PUT presigned uploads, as the buckets' CORS rule. */
  readonly corsOrigin?: string | undefined;
}

/** A queue with its SQS attributes, as CreateQueue takes them. */
export interface QueueDeclaration {
  readonly name: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface S3Endpoint {
  /** `http://127.0.0.1:<port>`, for S3 and SQS alike. */
  readonly endpoint: string;
  readonly region: string;
  /**
   * The endpoint's one key pair, printed for clients. Presigned URLs must be signed with it
   * (checked as S3 does); requests signed in the `Authorization` header are not checked.
   */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly accountId: string;
  /** The queue's URL on this endpoint (path-style, so no DNS name is needed). */
  queueUrl(name: string): string;
  /** Process id of the fauxqs child. */
  readonly pid: number | undefined;
  close(): Promise<void>;
}

const REPO_ROOT = path.resolve(__dirname, '..');
const START_TIMEOUT_MS = 20_000;

// Runs in the child: starts fauxqs with the options given as argv[1] (JSON), prints its port
// as one JSON line, and stops when stdin closes, which also happens when the parent dies.
const SERVER_SCRIPT = `
import { startFauxqs } from 'fauxqs';
const options = JSON.parse(process.argv[1]);
const server = await startFauxqs({ ...options, port: 0, host: '127.0.0.1', logger: false });
process.stdout.write(JSON.stringify({ port: server.port }) + '\\n');
process.stdin.on('close', () => server.stop().then(() => process.exit(0), () => process.exit(1)));
process.stdin.resume();
`;

/**
 * Starts fauxqs and the proxy in front of it, with the buckets and queues created.
 *
 * @example
 * ```ts
 * const s3 = await startS3Endpoint({ buckets: ['photos'], queues: ['failures'],
 *   onObjectCreated: (e) => console.log(e.eventName, e.key) });
 * // aws --endpoint-url $URL s3 cp IMG_0001.JPG s3://photos/uploads/
 * await s3.close();
 * ```
 */
export async function startS3Endpoint(options: S3EndpointOptions): Promise<S3Endpoint> {
  const region = options.region ?? 'us-east-1';
  const fauxqsOptions: Record<string, unknown> = {
    defaultRegion: region,
    init: {
      region,
      buckets: [...options.buckets],
      // fauxqs applies RedrivePolicy as SQS does: a message received more than maxReceiveCount
      // times moves to the dead-letter queue on its next receive.
      queues: options.queues.map((q) => (typeof q === 'string' ? { name: q } : { ...q })),
    },
  };
  if (options.stateDir !== undefined) {
    mkdirSync(path.join(options.stateDir, 's3'), { recursive: true });
    mkdirSync(path.join(options.stateDir, 'sqs'), { recursive: true });
    fauxqsOptions.dataDir = path.join(options.stateDir, 'sqs');
    fauxqsOptions.s3StorageDir = path.join(options.stateDir, 's3');
  }
  const child = spawn(
    process.execPath,
    ['--input-type=module', '--eval', SERVER_SCRIPT, JSON.stringify(fauxqsOptions)],
    {
      cwd: REPO_ROOT,
      env: Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !name.startsWith('FAUXQS_')),
      ),
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let upstreamPort: number;
  try {
    upstreamPort = await readPort(child);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  // fauxqs applies `init` after it starts listening: wait until the buckets answer.
  await waitForBuckets(upstreamPort, options.buckets);

  const agent = new Agent({ keepAlive: true });
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const checkPresigned = presignedAuth({ credentials, region });
  // Keys with a conditional write under way: S3 lets one of concurrent writers win.
  const writing = new Set<string>();
  const server = createServer((req, res) => {
    if (cors(req, res, options.corsOrigin)) return;
    admit(req, res).catch(() =>
      refuse(req, res, {
        status: 500,
        code: 'InternalError',
        message: 'We encountered an internal error. Please try again.',
      }),
    );
  });
  const admit = async (req: IncomingMessage, res: ServerResponse) => {
    const refusal = await checkPresigned(req);
    if (refusal !== undefined) return refuse(req, res, refusal);
    const created = classify(req);
    const conditional =
      created !== undefined &&
      (created.eventName === 'Put' || created.eventName === 'Copy') &&
      req.headers['if-none-match'] === '*';
    if (!conditional) return forward(req, res, upstreamPort, agent, options.onObjectCreated);
    const name = `${created.bucket}/${created.key}`;
    const present = () => exists(upstreamPort, agent, created.bucket, created.rawKey);
    // A key that exists refuses the write (412); one that another conditional write is
    // creating answers 409, as S3 does for "a conflicting operation during the upload". The
    // second look, under the lock, catches a writer that finished in between.
    if (await present()) return refuse(req, res, PRECONDITION_FAILED);
    if (writing.has(name)) return refuse(req, res, CONFLICT);
    writing.add(name);
    res.once('close', () => writing.delete(name));
    if (await present()) return refuse(req, res, PRECONDITION_FAILED);
    forward(req, res, upstreamPort, agent, options.onObjectCreated);
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port, address } = server.address() as AddressInfo;
  const endpoint = `http://${address}:${port}`;
  const accountId = '000000000000';
  return {
    endpoint,
    region,
    accountId,
    credentials,
    queueUrl: (name) => `${endpoint}/${accountId}/${name}`,
    pid: child.pid,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
      await stop(child);
    },
  };
}

// S3's answers to a conditional write that loses, from the PutObject API reference:
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (checked 2026-12).
const PRECONDITION_FAILED: S3Refusal = {
  status: 412,
  code: 'PreconditionFailed',
  message: 'At least one of the pre-conditions you specified did not hold',
  details: { Condition: 'If-None-Match' },
};
const CONFLICT: S3Refusal = {
  status: 409,
  code: 'ConditionalRequestConflict',
  message:
    'A conflicting conditional operation is currently in progress against this resource. Please try again.',
};

/**
 * Answers with S3's error once the request body has been read: answering while a client is
 * still sending would reset its connection (and a browser would see a network error instead).
 */
function refuse(req: IncomingMessage, res: ServerResponse, refusal: S3Refusal): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (req.readableEnded) {
    sendS3Error(res, refusal);
    return;
  }
  req.once('end', () => sendS3Error(res, refusal));
  req.once('error', () => res.destroy());
  req.resume();
}

function forward(
  req: IncomingMessage,
  res: ServerResponse,
  upstreamPort: number,
  agent: Agent,
  onObjectCreated: S3EndpointOptions['onObjectCreated'],
): void {
  const classified = classify(req);
  // A form POST names its key inside the body, in a field before the file (S3 requires the
  // file last): keep the body's start to read it, while the whole body streams on.
  const formHead: Buffer[] = [];
  let formBytes = 0;
  if (classified?.eventName === 'Post') {
    req.on('data', (chunk: Buffer) => {
      if (formBytes < FORM_HEAD_BYTES) formHead.push(chunk);
      formBytes += chunk.length;
    });
  }
  const upstream = httpRequest(
    {
      host: '127.0.0.1',
      port: upstreamPort,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      const head: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => {
        // CompleteMultipartUpload can answer 200 with an <Error> body: keep its start.
        if (classified?.eventName === 'CompleteMultipartUpload' && head.length < 4) {
          head.push(chunk);
        }
      });
      answer.pipe(res);
      answer.on('end', () => {
        const ok = (answer.statusCode ?? 500) < 300;
        const failed = Buffer.concat(head).includes('<Error>');
        const created =
          classified?.eventName === 'Post'
            ? formKey(classified, String(req.headers['content-type']), Buffer.concat(formHead))
            : classified;
        if (created !== undefined && ok && !failed && onObjectCreated !== undefined) {
          const requestId = String(answer.headers['x-amz-request-id'] ?? '');
          const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
          describe(upstreamPort, agent, created.bucket, created.rawKey).then(
            ({ size, eTag }) =>
              onObjectCreated({
                bucket: created.bucket,
                key: created.key,
                eventName: created.eventName,
                size,
                eTag,
                sourceIp,
                requestId,
              }),
            () => undefined,
          );
        }
      });
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  });
  req.pipe(upstream);
}

interface Classified {
  readonly bucket: string;
  readonly key: string;
  readonly rawKey: string;
  readonly eventName: ObjectCreated['eventName'];
}

/** Whether a request creates an object, and how, from its method, path-style URL and headers. */
function classify(req: {
  method?: string | undefined;
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}): Classified | undefined {
  const url = new URL(req.url ?? '/', 'http://local');
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const rawKey = rest.join('/');
  const contentType = String(req.headers['content-type'] ?? '');
  if (req.method === 'POST' && rawKey === '' && contentType.startsWith('multipart/form-data')) {
    // The key is in the form; formKey() fills it in once the upload succeeded.
    return { bucket, key: '', rawKey: '', eventName: 'Post' };
  }
  if (bucket === '' || rawKey === '') return undefined;
  const query = url.searchParams;
  // Sub-resources (tagging, acl, retention…) change an object without creating one.
  const subresource = [...query.keys()].some(
    (name) => !name.startsWith('X-Amz-') && !name.startsWith('x-amz-') && name !== 'x-id',
  );
  const key = decodeURIComponent(rawKey);
  if (req.method === 'PUT' && !subresource) {
    const copy = req.headers['x-amz-copy-source'] !== undefined;
    return { bucket, key, rawKey, eventName: copy ? 'Copy' : 'Put' };
  }
  if (req.method === 'POST' && query.has('uploadId')) {
    return { bucket, key, rawKey, eventName: 'CompleteMultipartUpload' };
  }
  return undefined;
}

/** S3's placeholder in a form's key for the uploaded file's name (written so, not a template). */
const FILENAME_VARIABLE = ['$', '{filename}'].join('');

/** How much of a form POST's body is kept to find its `key` field and file name. */
const FORM_HEAD_BYTES = 64 * 1024;

/** The key a form POST created: its `key` field, with the file name put in as S3 does. */
function formKey(
  classified: Classified,
  contentType: string,
  head: Buffer,
): Classified | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (marker === undefined) return undefined;
  let key: string | undefined;
  let filename = '';
  for (const part of head.toString('latin1').split(`--${marker}`)) {
    const headersEnd = part.indexOf('\r\n\r\n');
    if (headersEnd < 0) continue;
    const headers = part.slice(0, headersEnd);
    const name = /name="([^"]*)"/i.exec(headers)?.[1]?.toLowerCase();
    if (name === 'key') key = part.slice(headersEnd + 4).replace(/\r\n$/, '');
    if (name === 'file') filename = /filename="([^"]*)"/i.exec(headers)?.[1] ?? '';
  }
  if (key === undefined) return undefined;
  const decoded = Buffer.from(key.replaceAll(FILENAME_VARIABLE, filename), 'latin1').toString(
    'utf8',
  );
  const rawKey = decoded.split('/').map(encodeURIComponent).join('/');
  return { ...classified, key: decoded, rawKey };
}

/** Whether the store holds the key: HEAD answers 200, or 404. */
function exists(port: number, agent: Agent, bucket: string, rawKey: string): Promise<boolean> {
  return describe(port, agent, bucket, rawKey).then(
    () => true,
    (err: Error & { status?: number }) => {
      if (err.status === 404) return false;
      throw err;
    },
  );
}

function describe(
  port: number,
  agent: Agent,
  bucket: string,
  rawKey: string,
): Promise<{ size: number; eTag: string }> {
  return new Promise((resolve, reject) => {
    const head = httpRequest(
      { host: '127.0.0.1', port, method: 'HEAD', path: `/${bucket}/${rawKey}`, agent },
      (answer) => {
        answer.resume();
        if ((answer.statusCode ?? 500) >= 300) {
          const failure = new Error(`HEAD ${bucket}/${rawKey}: ${answer.statusCode}`);
          reject(Object.assign(failure, { status: answer.statusCode }));
          return;
        }
        resolve({
          size: Number(answer.headers['content-length'] ?? 0),
          eTag: String(answer.headers.etag ?? '').replace(/"/g, ''),
        });
      },
    );
    head.on('error', reject);
    head.end();
  });
}

async function waitForBuckets(port: number, buckets: readonly string[]): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (const bucket of buckets) {
    for (;;) {
      const response = await fetch(`http://127.0.0.1:${port}/${bucket}`, { method: 'HEAD' });
      if (response.ok) break;
      if (Date.now() > deadline) throw new Error(`bucket ${bucket} was not created`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => fail(`no port after ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const fail = (reason: string) => {
      clearTimeout(timer);
      reject(new Error(`fauxqs did not start: ${reason}\n${stderr}`));
    };
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('exit', (code, signal) => fail(`exited with ${signal ?? code}`));
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      try {
        resolve((JSON.parse(stdout.slice(0, newline)) as { port: number }).port);
      } catch {
        fail(`unexpected output ${stdout}`);
      }
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin?.end();
  });
}
