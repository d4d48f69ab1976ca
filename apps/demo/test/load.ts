import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fromRoot } from '../src/paths.js';

/** One request the load made: where, what came back, how long it took, in which phase. */
export interface Sample {
  name: string;
  kind: 'read' | 'write' | 'probe';
  /** The phase the request started and ended in (`warm-up -> outage` when it spanned the kill). */
  phase: string;
  /** HTTP status, or `'timeout'` (no answer within the client's bound) / `'error'` (connection failed). */
  status: number | 'timeout' | 'error';
  ms: number;
}

/** A route the load loops call. */
export interface LoadRoute {
  name: string;
  kind: 'read' | 'write';
  path: string;
  init?: RequestInit;
}

/**
 * A fixed number of request loops against `base` (loopback), each calling the routes in turn,
 * every request aborted after `clientBoundMs`; plus a `/healthz` prober. Samples are tagged
 * with the current `phase`; `waitFor` resolves on a sample event, not on a clock.
 */
export function startLoad(options: {
  base: string;
  routes: readonly LoadRoute[];
  loops: number;
  clientBoundMs: number;
}) {
  const samples: Sample[] = [];
  const events = new EventEmitter();
  let phase = 'warm-up';
  let stopped = false;

  const call = async (name: string, kind: Sample['kind'], path: string, init: RequestInit = {}) => {
    const started = performance.now();
    const at = phase;
    let status: Sample['status'];
    try {
      const response = await fetch(`${options.base}${path}`, {
        redirect: 'manual',
        ...init,
        signal: AbortSignal.timeout(options.clientBoundMs),
      });
      await response.arrayBuffer();
      status = response.status;
    } catch (error) {
      status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'error';
    }
    // A request that spanned a change of phase (in flight when the server was killed) is judged as neither.
    const tag = at === phase ? at : `${at} -> ${phase}`;
    const sample: Sample = { name, kind, status, ms: Math.round(performance.now() - started), phase: tag };
    samples.push(sample);
    events.emit('sample', sample);
    return sample;
  };

  const loop = async (offset: number) => {
    for (let i = offset; !stopped; i++) {
      const route = options.routes[i % options.routes.length]!;
      await call(route.name, route.kind, route.path, route.init);
    }
  };
  const probe = async () => {
    while (!stopped) {
      await call('/healthz', 'probe', '/healthz');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const running = [...Array.from({ length: options.loops }, (_, i) => loop(i)), probe()];

  return {
    samples,
    call,
    setPhase(name: string) {
      phase = name;
    },
    /** Resolves once `predicate` holds after some sample (or now); rejects after `deadlineMs`. */
    waitFor(predicate: () => boolean, deadlineMs: number, what: string): Promise<void> {
      if (predicate()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          events.off('sample', check);
          reject(new Error(`load: ${what} did not happen within ${deadlineMs} ms`));
        }, deadlineMs);
        const check = () => {
          if (!predicate()) return;
          clearTimeout(timer);
          events.off('sample', check);
          resolve();
        };
        events.on('sample', check);
      });
    },
    count(phaseName: string, kind?: Sample['kind']) {
      return samples.filter((s) => s.phase === phaseName && (kind === undefined || s.kind === kind)).length;
    },
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

/** Figures of a run, for PRODUCTION.md: requests, answers by status, worst latency per phase. */
export function summarize(samples: readonly Sample[]) {
  const phases: Record<string, { requests: number; byStatus: Record<string, number>; worstMs: number }> = {};
  for (const s of samples) {
    phases[s.phase] ??= { requests: 0, byStatus: {}, worstMs: 0 };
    const p = phases[s.phase]!;
    p.requests++;
    const key = `${s.kind} ${s.status}`;
    p.byStatus[key] = (p.byStatus[key] ?? 0) + 1;
    p.worstMs = Math.max(p.worstMs, s.ms);
  }
  return phases;
}

/** The built app (`node dist/main.js`) as a process, resolved once it listens. */
export async function startAppProcess(env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [fromRoot('dist', 'main.js')], {
    cwd: fromRoot(),
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /adv demo listening on (http:\/\/\S+)\/ \(pid/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code, signal }) =>
      reject(new Error(`the app exited (${code ?? signal}) before listening:\n${output}`)),
    );
  });
  return {
    url,
    child,
    exited,
    output: () => output,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
