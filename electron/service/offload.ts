/**
 * Runs the service's tasks (tasks.ts) in worker threads, so the service's own
 * thread stays free: `history` and `cancelRun` answer at once while a worker
 * generates a large filter bank, plans a large grid or decodes a preview.
 *
 * - Two lanes: calls (at most SERVICE_LIMITS.concurrentCalls at once, a bounded
 *   number waiting) and runs (the service's queue lets one through at a time).
 * - Each worker runs under a V8 heap limit: a task that needs more fails with
 *   one line and its worker is replaced; the service goes on.
 * - Cancelling answers at once (CancelledError); the worker's task is aborted
 *   and the worker terminated unless it stops within the lane's grace (a run
 *   that has not started writing cells yet is terminated at once).
 * - Workers are kept warm for the next task (starting one loads the engine).
 *
 * The worker entry is worker.js next to this module, i.e. the compiled dist/
 * build. Running from TypeScript sources (vitest) there is no such file, and
 * tasks run in the calling thread, cancelled between their steps, as before;
 * tests/hostile/service.test.ts runs the build, workers and all.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CancelledError, UserError } from '../../shared/errors/index.js';
import { SERVICE_LIMITS } from './limits.js';
import { tasks, type TaskEvent, type TaskName, type TaskRequest, type TaskResult } from './tasks.js';
import type { FromWorker, ToWorker } from './worker.js';

export type Lane = 'call' | 'run';

export interface TaskOptions {
  signal: AbortSignal;
  lane: Lane;
  onEvent?: (event: TaskEvent) => void;
}

export interface TaskRunner {
  /** Whether tasks run in worker threads (false from TypeScript sources). */
  readonly offThread: boolean;
  run<N extends TaskName>(name: N, request: TaskRequest<N>, options: TaskOptions): Promise<TaskResult<N>>;
  /** Terminates every worker; running tasks fail as cancelled. */
  close(): Promise<void>;
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

export function createTaskRunner(workerUrl: URL = WORKER_URL): TaskRunner {
  return existsSync(fileURLToPath(workerUrl)) ? new WorkerTasks(workerUrl) : inThread;
}

const inThread: TaskRunner = {
  offThread: false,
  run(name, request, { signal, onEvent }) {
    const task = tasks[name] as (request: unknown, context: { signal: AbortSignal; emit(event: TaskEvent): void }) => Promise<never>;
    return task(request, { signal, emit: (event) => onEvent?.(event) });
  },
  async close() {},
};

interface LaneState {
  heapMb: number;
  concurrent: number;
  waiting: number;
  busy: number;
  idle: Worker[];
  queue: (() => void)[];
}

class WorkerTasks implements TaskRunner {
  readonly offThread = true;
  private readonly url: URL;
  private readonly lanes: Record<Lane, LaneState>;
  private readonly workers = new Set<Worker>();
  private nextId = 1;
  private closed = false;

  constructor(url: URL) {
    this.url = url;
    const lane = (heapMb: number, concurrent: number, waiting: number): LaneState => ({
      heapMb,
      concurrent,
      waiting,
      busy: 0,
      idle: [],
      queue: [],
    });
    this.lanes = {
      call: lane(SERVICE_LIMITS.callHeapMb, SERVICE_LIMITS.concurrentCalls, SERVICE_LIMITS.waitingCalls),
      // The service's run queue bounds what reaches this lane.
      run: lane(SERVICE_LIMITS.runHeapMb, 2, SERVICE_LIMITS.queuedRuns + 1),
    };
  }

  async run<N extends TaskName>(name: N, request: TaskRequest<N>, { signal, lane, onEvent }: TaskOptions): Promise<TaskResult<N>> {
    const state = this.lanes[lane];
    await this.acquire(state, signal);
    const worker = state.idle.pop() ?? this.spawn(state);
    worker.ref();
    const id = this.nextId++;
    return new Promise<TaskResult<N>>((resolve, reject) => {
      let answered = false;
      let featurizing = false;
      let stopTimer: NodeJS.Timeout | null = null;
      const answer = (settle: () => void) => {
        if (answered) return;
        answered = true;
        settle();
      };
      /** The worker is done with this task: it goes back to the lane, or away. */
      const release = (reusable: boolean) => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        signal.removeEventListener('abort', onAbort);
        if (stopTimer) clearTimeout(stopTimer);
        state.busy--;
        if (reusable && !this.closed && state.idle.length === 0) {
          worker.unref();
          state.idle.push(worker);
        } else this.terminate(worker);
        state.queue.shift()?.();
      };
      const onMessage = (message: FromWorker) => {
        if (message.id !== id) return;
        if (message.kind === 'event') {
          if (message.event.kind === 'featurizing') featurizing = true;
          if (!answered) onEvent?.(message.event);
          return;
        }
        release(true);
        answer(() => (message.ok ? resolve(message.value as TaskResult<N>) : reject(rebuild(message.error))));
      };
      const onError = (error: Error & { code?: string }) => {
        release(false);
        answer(() => reject(workerDied(name, lane, state.heapMb, error)));
      };
      const onExit = (code: number) => {
        release(false);
        answer(() => reject(new UserError(`${name}: the service's worker stopped unexpectedly (exit code ${code})`, { kind: 'bug' })));
      };
      const onAbort = () => {
        answer(() => reject(new CancelledError()));
        worker.postMessage({ kind: 'abort', id } satisfies ToWorker);
        // Until a run writes cells, stopping it loses nothing: no need to wait for it.
        const grace = lane === 'call' ? SERVICE_LIMITS.callStopMs : featurizing ? SERVICE_LIMITS.runStopMs : 0;
        stopTimer = setTimeout(() => release(false), grace);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      signal.addEventListener('abort', onAbort, { once: true });
      worker.postMessage({ kind: 'task', id, name, request } satisfies ToWorker);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const state of Object.values(this.lanes)) {
      state.idle = [];
      for (const wake of state.queue.splice(0)) wake();
    }
    await Promise.all([...this.workers].map((worker) => this.terminate(worker)));
  }

  /** Waits for a free worker of the lane; refuses when too many calls already wait. */
  private async acquire(state: LaneState, signal: AbortSignal): Promise<void> {
    if (signal.aborted || this.closed) throw new CancelledError();
    if (state.busy >= state.concurrent) {
      if (state.queue.length >= state.waiting)
        throw new UserError(`the service is busy (${state.queue.length} requests are waiting); try again when they are done`);
      await new Promise<void>((wake) => state.queue.push(wake));
      if (signal.aborted || this.closed) {
        state.queue.shift()?.();
        throw new CancelledError();
      }
    }
    state.busy++;
  }

  private spawn(state: LaneState): Worker {
    // workerData must be an object: geotiff's web-worker shim reads it in every worker thread.
    const worker = new Worker(this.url, {
      workerData: {},
      resourceLimits: { maxOldGenerationSizeMb: state.heapMb, maxYoungGenerationSizeMb: 64 },
    });
    this.workers.add(worker);
    worker.once('exit', () => this.workers.delete(worker));
    // An error with no task waiting (a crash while idle) only loses the worker.
    worker.on('error', () => {});
    return worker;
  }

  private terminate(worker: Worker): Promise<void> {
    this.workers.delete(worker);
    return worker.terminate().then(
      () => {},
      () => {},
    );
  }
}

function rebuild(failure: { message: string; kind: UserError['kind']; path?: string }): UserError {
  if (failure.kind === 'cancelled') return new CancelledError(failure.message);
  return new UserError(failure.message, { kind: failure.kind, ...(failure.path === undefined ? {} : { path: failure.path }) });
}

/** A worker that ran out of heap or crashed: the call (or run) fails with one line, the service goes on. */
function workerDied(name: TaskName, lane: Lane, heapMb: number, error: Error & { code?: string }): UserError {
  const what = lane === 'run' ? 'the run' : name;
  if (error.code === 'ERR_WORKER_OUT_OF_MEMORY')
    return new UserError(
      `${what} needs more memory than the service allows one ${lane} (${heapMb} MB); ` +
        'ask for less (a smaller area or preview, fewer features or patches, a smaller kernel)',
    );
  return new UserError(`${what} failed unexpectedly: ${error.message}`, { kind: 'bug' });
}
