/**
 * The local stand-in for fargate's Application Load Balancer: an HTTP proxy on loopback that
 * sends each request to the next healthy target in turn (round robin, as an ALB target group
 * does by default), checks every target's health path on the template's interval and thresholds,
 * takes a target that fails them out of rotation (and says so, so the service replaces the task),
 * and drains a deregistered target: no new requests, the ones in flight finish, for at most the
 * deregistration delay.
 *
 * One deliberate difference: a new target is checked every second until it is healthy, where the
 * ALB waits its interval times the healthy threshold (30 s for ours), so a local start is quick.
 * Like an ALB, it fails open: when no target is healthy it uses every registered one.
 */
import { EventEmitter } from 'node:events';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { cors } from './cors';
import { listen } from './listen';

export interface HealthCheck {
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

export interface LoadBalancerOptions {
  readonly host?: string;
  readonly port?: number;
  readonly healthCheck: HealthCheck;
  /** The one browser origin allowed (the console page); on AWS the service itself answers CORS. */
  readonly corsOrigin?: string | undefined;
  /** Longest a deregistered target may keep its requests in flight. */
  readonly deregistrationDelayMs: number;
  /** How often a new target is checked until it is first healthy. */
  readonly initialIntervalMs?: number;
}

type TargetState = 'initial' | 'healthy' | 'unhealthy' | 'draining';

interface Target {
  readonly id: string;
  readonly port: number;
  state: TargetState;
  passes: number;
  fails: number;
  inFlight: number;
  served: number;
  timer: NodeJS.Timeout | undefined;
  drained: (() => void) | undefined;
}

export interface LoadBalancerEvents {
  /** A target failed its health checks `unhealthyThreshold` times in a row. */
  unhealthy: [id: string];
  healthy: [id: string];
}

/**
 * Starts the load balancer with no targets.
 *
 * @example
 * ```ts
 * const lb = await LoadBalancer.start({ healthCheck: { path: '/health', intervalMs: 15_000,
 *   timeoutMs: 5_000, healthyThreshold: 2, unhealthyThreshold: 3 }, deregistrationDelayMs: 35_000 });
 * lb.register('task-1', 40123);
 * lb.on('unhealthy', (id) => replace(id));
 * ```
 */
export class LoadBalancer extends EventEmitter<LoadBalancerEvents> {
  private readonly targets = new Map<string, Target>();
  private next = 0;
  private readonly agent = new Agent({ keepAlive: true });

  private constructor(
    private readonly options: LoadBalancerOptions,
    private readonly server: Server,
    readonly url: string,
  ) {
    super();
  }

  static async start(options: LoadBalancerOptions): Promise<LoadBalancer> {
    const holder: { lb?: LoadBalancer } = {};
    const server = createServer((req, res) => holder.lb?.route(req, res));
    const { url } = await listen(server, options);
    holder.lb = new LoadBalancer(options, server, url);
    return holder.lb;
  }

  /** Targets by id with their state and how many requests each has served. */
  get status(): { id: string; port: number; state: TargetState; served: number }[] {
    return [...this.targets.values()].map(({ id, port, state, served }) => ({
      id,
      port,
      state,
      served,
    }));
  }

  /** Adds a target (a task's port on loopback); it takes traffic once healthy. */
  register(id: string, port: number): void {
    const target: Target = {
      id,
      port,
      state: 'initial',
      passes: 0,
      fails: 0,
      inFlight: 0,
      served: 0,
      timer: undefined,
      drained: undefined,
    };
    this.targets.set(id, target);
    this.schedule(target, 0);
  }

  /** Resolves once the target is healthy (or gone). */
  whenHealthy(id: string): Promise<void> {
    if (this.targets.get(id)?.state !== 'initial') return Promise.resolve();
    return new Promise((resolve) => {
      const check = (which: string) => {
        if (which !== id) return;
        this.off('healthy', check);
        resolve();
      };
      this.on('healthy', check);
    });
  }

  /**
   * Takes a target out of rotation and waits until its requests in flight have finished, or
   * the deregistration delay has passed.
   */
  async deregister(id: string): Promise<void> {
    const target = this.targets.get(id);
    if (target === undefined) return;
    clearTimeout(target.timer);
    target.state = 'draining';
    if (target.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.deregistrationDelayMs);
        target.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.targets.delete(id);
  }

  /** Stops checking and listening; closes every connection. */
  async close(): Promise<void> {
    for (const target of this.targets.values()) clearTimeout(target.timer);
    this.targets.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }

  private pick(): Target | undefined {
    const all = [...this.targets.values()];
    const healthy = all.filter((t) => t.state === 'healthy');
    // Fail open, as an ALB does when no target is healthy.
    const pool =
      healthy.length > 0
        ? healthy
        : all.filter((t) => t.state === 'unhealthy' || (t.state === 'initial' && t.passes > 0));
    if (pool.length === 0) return undefined;
    this.next = (this.next + 1) % pool.length;
    return pool[this.next];
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    if (cors(req, res, this.options.corsOrigin)) return;
    const target = this.pick();
    if (target === undefined) {
      res
        .writeHead(503, { 'content-type': 'text/plain' })
        .end('503 Service Temporarily Unavailable');
      req.resume();
      return;
    }
    target.inFlight += 1;
    target.served += 1;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      target.inFlight -= 1;
      if (target.inFlight === 0) target.drained?.();
    };
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' },
        agent: this.agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', finish);
        // The target's answer broke off: pipe() would leave the client waiting for the rest.
        answer.on('error', () => {
          finish();
          res.destroy();
        });
      },
    );
    upstream.on('error', () => {
      finish();
      // The target went away mid-request: an ALB answers 502 Bad Gateway. Once the target's
      // own answer has started there is no 502 to give: cut the client off, as the target did.
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { 'content-type': 'text/plain' }).end('502 Bad Gateway');
    });
    res.on('close', finish);
    req.pipe(upstream);
  }

  private schedule(target: Target, delayMs: number): void {
    target.timer = setTimeout(() => void this.check(target), delayMs);
    target.timer.unref();
  }

  private async check(target: Target): Promise<void> {
    const { path, timeoutMs, healthyThreshold, unhealthyThreshold, intervalMs } =
      this.options.healthCheck;
    const ok = await probe(target.port, path, timeoutMs);
    if (this.targets.get(target.id) !== target || target.state === 'draining') return;
    if (ok) {
      target.passes += 1;
      target.fails = 0;
      if (target.state !== 'healthy' && target.passes >= healthyThreshold) {
        target.state = 'healthy';
        this.emit('healthy', target.id);
      }
    } else {
      target.fails += 1;
      target.passes = 0;
      if (target.fails >= unhealthyThreshold && target.state !== 'unhealthy') {
        target.state = 'unhealthy';
        this.emit('unhealthy', target.id);
      }
    }
    const next = target.state === 'initial' ? (this.options.initialIntervalMs ?? 1000) : intervalMs;
    this.schedule(target, next);
  }
}

/** One health check: 200 within the timeout. */
function probe(port: number, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
