/**
 * Worker entry of offload.ts: runs one task of tasks.ts per message,
 * `{kind: 'task', id, name, request}` → events `{kind: 'event', id, event}`
 * and `{kind: 'done', id, ok, value | error}`; `{kind: 'abort', id}` aborts
 * the task's signal. A failure keeps its message, kind and path; anything
 * that is not a UserError arrives as kind 'bug'.
 */
import { parentPort } from 'node:worker_threads';
import { CancelledError, kindOf, UserError, type ErrorKind } from '../../shared/errors/index.js';
import { tasks, type TaskEvent, type TaskName } from './tasks.js';

export type ToWorker = { kind: 'task'; id: number; name: TaskName; request: unknown } | { kind: 'abort'; id: number };
export interface TaskFailure {
  message: string;
  kind: ErrorKind;
  path?: string;
}
export type FromWorker =
  | { kind: 'event'; id: number; event: TaskEvent }
  | { kind: 'done'; id: number; ok: true; value: unknown }
  | { kind: 'done'; id: number; ok: false; error: TaskFailure };

const port = parentPort!;
const running = new Map<number, AbortController>();

port.on('message', (message: ToWorker) => {
  if (message.kind === 'abort') {
    running.get(message.id)?.abort(new CancelledError());
    return;
  }
  const { id, name, request } = message;
  const controller = new AbortController();
  running.set(id, controller);
  const post = (reply: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);
  const task = tasks[name] as (request: unknown, context: Parameters<(typeof tasks)['run']>[1]) => Promise<unknown>;
  void Promise.resolve()
    .then(() => task(request, { signal: controller.signal, emit: (event) => post({ kind: 'event', id, event }) }))
    .then(
      (value) => post({ kind: 'done', id, ok: true, value }, transferables(value)),
      (error: unknown) => post({ kind: 'done', id, ok: false, error: failure(error) }),
    )
    .finally(() => running.delete(id));
});

function failure(error: unknown): TaskFailure {
  const message = error instanceof Error ? error.message : String(error);
  const path = error instanceof UserError ? error.path : undefined;
  return { message, kind: kindOf(error), ...(path === undefined ? {} : { path }) };
}

/** A preview's pixels move to the service thread instead of being copied. */
function transferables(value: unknown): ArrayBuffer[] {
  const data = (value as { data?: unknown } | null)?.data;
  return data instanceof Float32Array && data.buffer instanceof ArrayBuffer ? [data.buffer] : [];
}
