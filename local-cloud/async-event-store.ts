/**
 * The asynchronous invocations a function has accepted and not finished, kept on disk so that
 * a local cloud stopped (or killed) while an event waits for its next attempt delivers it on
 * its next start. Lambda does not lose an accepted event either: it keeps it in its queue, and
 * retries it, for up to the function's maximum event age, 6 hours by default and at most (AWS
 * Lambda developer guide, "Configuring error handling settings for Lambda asynchronous
 * invocations", https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-configuring.html;
 * AWS::Lambda::EventInvokeConfig, "It retains events in a queue for up to six hours",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-eventinvokeconfig.html;
 * both 2026-12). The age counts from acceptance, downtime included, as on AWS.
 *
 * One small JSON file per event, written whole and renamed into place when the event is
 * accepted and after each attempt, removed when it succeeded or went to its destination.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One accepted event and how far its delivery got. */
export interface PendingEvent {
  readonly requestId: string;
  readonly payload: Buffer;
  /** When Lambda accepted it (epoch ms): its maximum age counts from here. */
  readonly acceptedAt: number;
  /** Invocations that ended (successful ones end the event). */
  readonly attempts: number;
  /** The last failed attempt's answer, for the destination record. */
  readonly last?: { readonly functionError: string; readonly payload: Buffer };
}

interface StoredEvent {
  readonly requestId: string;
  readonly payload: string;
  readonly acceptedAt: number;
  readonly attempts: number;
  readonly last?: { readonly functionError: string; readonly payload: string };
}

/** Request ids are UUIDs; anything else is no file name of ours. */
const REQUEST_ID = /^[0-9a-f-]{36}$/;

/**
 * A folder of pending events for one function.
 *
 * @example
 * ```ts
 * const store = new AsyncEventStore('.local-cloud/state/async-events/ProcessLambdaFunction');
 * store.save({ requestId, payload, acceptedAt: Date.now(), attempts: 0 });
 * store.load(); // [that event], until store.remove(requestId)
 * ```
 */
export class AsyncEventStore {
  constructor(private readonly dir: string) {}

  save(event: PendingEvent): void {
    if (!REQUEST_ID.test(event.requestId)) throw new Error(`bad request id ${event.requestId}`);
    mkdirSync(this.dir, { recursive: true });
    const stored: StoredEvent = {
      requestId: event.requestId,
      payload: event.payload.toString('base64'),
      acceptedAt: event.acceptedAt,
      attempts: event.attempts,
      ...(event.last === undefined
        ? {}
        : {
            last: {
              functionError: event.last.functionError,
              payload: event.last.payload.toString('base64'),
            },
          }),
    };
    const file = this.file(event.requestId);
    writeFileSync(`${file}.tmp`, JSON.stringify(stored));
    renameSync(`${file}.tmp`, file);
  }

  remove(requestId: string): void {
    rmSync(this.file(requestId), { force: true });
  }

  /** Every pending event, oldest first; a file that does not parse is skipped. */
  load(): PendingEvent[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const events: PendingEvent[] = [];
    for (const name of names) {
      if (!name.endsWith('.json') || !REQUEST_ID.test(name.slice(0, -5))) continue;
      try {
        const stored = JSON.parse(readFileSync(path.join(this.dir, name), 'utf8')) as StoredEvent;
        events.push({
          requestId: stored.requestId,
          payload: Buffer.from(stored.payload, 'base64'),
          acceptedAt: stored.acceptedAt,
          attempts: stored.attempts,
          ...(stored.last === undefined
            ? {}
            : {
                last: {
                  functionError: stored.last.functionError,
                  payload: Buffer.from(stored.last.payload, 'base64'),
                },
              }),
        });
      } catch {
        // Half a file cannot be: it is written whole and renamed. Anything else is not ours.
      }
    }
    return events.sort((a, b) => a.acceptedAt - b.acceptedAt);
  }

  private file(requestId: string): string {
    return path.join(this.dir, `${requestId}.json`);
  }
}
