/**
 * A small pool of worker threads that decode compressed blocks (LZW, PackBits,
 * ZSTD, JPEG, LERC: everything blocks.ts decodes except DEFLATE, which Node's
 * zlib already runs on libuv's thread pool, and uncompressed data), so that one
 * bad file can neither hang nor kill the process:
 *
 * - every block has a time limit (default 10 s); a worker that exceeds it is
 *   terminated and replaced, and the read fails with a DecodeLimitError
 *   ("decoding tile 3,1 took longer than 10 s; the file may be corrupt");
 * - workers run under V8 `resourceLimits`; one that runs out of memory or
 *   crashes fails the block it was decoding and is replaced;
 * - the decoders' own bound (a block never decodes beyond its size) still holds.
 *
 * Workers start lazily (at most min(2, cores)), are `unref()`ed while idle so
 * they never keep a CLI process alive, and the compressed and decoded bytes are
 * transferred, not copied.
 *
 * The worker entry is decode-worker.js next to this module, i.e. the compiled
 * dist/ build. When this module runs from TypeScript sources (vitest), there is
 * no such file and `decodeOffThread` decodes in the calling thread instead, as
 * before the pool existed; the pool's own tests use the compiled build.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { UserError } from '../../../shared/errors/index.js';
import type { DecodeReply, DecodeRequest } from './decode-worker.js';

/** A block whose decoding hit the pool's time or memory limit, or killed its worker. */
export class DecodeLimitError extends UserError {
  override name = 'DecodeLimitError';
}

export interface DecodePoolOptions {
  /** Workers (default min(2, cores)). */
  size?: number;
  /** Longest a block may take, in milliseconds (default 10 000). */
  timeoutMs?: number;
  /** V8 limits of each worker (default 256 MB old generation, 64 MB young, 4 MB stack). */
  resourceLimits?: ResourceLimits;
  /** A module (file URL) each worker imports after registering its decoders: tests add slow or hungry codecs with it. */
  setup?: string;
  /** The worker entry (default decode-worker.js next to this module). */
  workerUrl?: URL;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 64, stackSizeMb: 4 };

interface Job {
  compression: number;
  parameters: Record<string, unknown>;
  bytes: ArrayBuffer;
  what: string;
  signal?: AbortSignal;
  resolve(buffer: ArrayBuffer): void;
  reject(err: Error): void;
}

/** Why an aborted decode was dropped. */
function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('block decoding was cancelled');
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | null;
  id: number;
  timer: NodeJS.Timeout | null;
  /** Set once the pool has given up on this worker (timed out, crashed, closed). */
  dead: boolean;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

export class DecodePool {
  readonly size: number;
  readonly timeoutMs: number;
  private readonly limits: ResourceLimits;
  private readonly setup: string | undefined;
  private readonly url: URL;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(options: DecodePoolOptions = {}) {
    this.size = Math.max(1, options.size ?? Math.min(2, availableParallelism()));
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.limits = { ...DEFAULT_LIMITS, ...options.resourceLimits };
    this.setup = options.setup;
    this.url = options.workerUrl ?? new URL('./decode-worker.js', import.meta.url);
  }

  /** Workers currently started (for tests). */
  get workers(): number {
    return this.slots.length;
  }

  /** Workers decoding a block now, plus blocks waiting for one (for tests). */
  get pending(): number {
    return this.slots.filter((s) => s.job).length + this.queue.length;
  }

  /**
   * Decodes one block in a worker. `bytes` is transferred (detached here).
   * @param what the block, e.g. "tile 3,1", for error messages.
   * @param signal aborting it drops the block if still queued, or terminates
   *   (and replaces) the worker decoding it: a read that already failed does
   *   not keep workers busy on the rest of a possibly corrupt file.
   */
  decode(
    compression: number,
    parameters: Record<string, unknown>,
    bytes: ArrayBuffer,
    what: string,
    signal?: AbortSignal,
  ): Promise<ArrayBuffer> {
    if (this.closed) return Promise.reject(new Error('the decode pool is closed'));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const queued = this.queue.indexOf(job);
        if (queued >= 0) {
          this.queue.splice(queued, 1);
          reject(abortReason(signal as AbortSignal));
          return;
        }
        const slot = this.slots.find((s) => s.job === job);
        if (slot) this.fail(slot, '', false, abortReason(signal as AbortSignal));
      };
      const job: Job = {
        compression,
        parameters,
        bytes,
        what,
        signal,
        resolve: (buffer) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(buffer);
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  /** Terminates all workers; pending decodes fail. */
  async close(): Promise<void> {
    this.closed = true;
    const error = new Error('the decode pool was closed');
    for (const job of this.queue.splice(0)) job.reject(error);
    const slots = this.slots.splice(0);
    await Promise.all(
      slots.map((slot) => {
        slot.dead = true;
        if (slot.timer) clearTimeout(slot.timer);
        slot.job?.reject(error);
        slot.job = null;
        return slot.worker.terminate().catch(() => undefined);
      }),
    );
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (head.signal?.aborted) {
        this.queue.shift();
        head.reject(abortReason(head.signal));
        continue;
      }
      const idle = this.slots.find((s) => s.ready && !s.job && !s.dead);
      if (idle) {
        this.dispatch(idle, this.queue.shift() as Job);
        continue;
      }
      // Start another worker only when the ones starting can't take the queue.
      const starting = this.slots.filter((s) => !s.ready).length;
      if (this.slots.length < this.size && starting < this.queue.length) {
        this.spawn();
        continue;
      }
      break;
    }
  }

  private spawn(): void {
    const worker = new Worker(this.url, { workerData: { setup: this.setup }, resourceLimits: this.limits, stdout: false, stderr: false });
    const slot: Slot = { worker, ready: false, job: null, id: 0, timer: null, dead: false };
    this.slots.push(slot);
    worker.on('message', (reply: DecodeReply) => this.onReply(slot, reply));
    worker.on('error', (err: Error & { code?: string }) => {
      const problem =
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `ran out of memory (over ${this.limits.maxOldGenerationSizeMb} MB); the file may be corrupt`
          : `crashed the decoder (${err.message})`;
      this.fail(slot, problem, !slot.ready);
    });
    worker.on('exit', (code) => this.fail(slot, `stopped the decoder (exit code ${code})`, !slot.ready));
    // Referenced while starting (a job waits for it); unref()ed whenever idle.
  }

  private onReply(slot: Slot, reply: DecodeReply): void {
    if (slot.dead) return;
    if ('ready' in reply) {
      slot.ready = true;
      this.pump();
      if (!slot.job) slot.worker.unref();
      return;
    }
    if ('failed' in reply) {
      this.fail(slot, `could not start the decoder (${reply.failed})`, true);
      return;
    }
    const job = slot.job;
    if (!job || reply.id !== slot.id) return;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    slot.worker.unref();
    if ('error' in reply) job.reject(new Error(reply.error));
    else job.resolve(reply.buffer);
    this.pump();
  }

  private dispatch(slot: Slot, job: Job): void {
    slot.job = job;
    slot.id = this.nextId++;
    // Busy workers keep the process alive: the caller is waiting for them.
    slot.worker.ref();
    slot.timer = setTimeout(() => {
      this.fail(slot, `took longer than ${seconds(this.timeoutMs)}; the file may be corrupt`, false);
    }, this.timeoutMs);
    const request: DecodeRequest = { id: slot.id, compression: job.compression, parameters: job.parameters, bytes: job.bytes };
    slot.worker.postMessage(request, [job.bytes]);
  }

  /**
   * Gives up on a worker: its block (if any) fails with `problem`, it is
   * terminated and forgotten; the next decode starts a fresh one. A worker that
   * fails before it is ready fails the whole queue (a fresh one would too).
   */
  private fail(slot: Slot, problem: string, startup: boolean, error?: Error): void {
    if (slot.dead) return;
    slot.dead = true;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    void slot.worker.terminate().catch(() => undefined);
    const job = slot.job;
    slot.job = null;
    if (job) job.reject(error ?? new DecodeLimitError(`decoding ${job.what} ${problem}`));
    if (startup && this.slots.length === 0) {
      const error = new Error(`the block decoder ${problem}`);
      for (const queued of this.queue.splice(0)) queued.reject(error);
    }
    if (!this.closed) this.pump();
  }
}

let shared: DecodePool | null = null;
let sharedOptions: DecodePoolOptions = {};

/** Whether the worker entry exists (false when running from TypeScript sources). */
export function workerAvailable(url: URL = new URL('./decode-worker.js', import.meta.url)): boolean {
  try {
    return existsSync(fileURLToPath(url));
  } catch {
    return false;
  }
}

/** The process-wide pool, created on first use; null when decoding stays in the calling thread. */
export function decodePool(): DecodePool | null {
  if (shared) return shared;
  if (!workerAvailable(sharedOptions.workerUrl)) return null;
  shared = new DecodePool(sharedOptions);
  return shared;
}

/** Replaces the process-wide pool's options (time limit, memory limits...); closes the current pool. */
export async function configureDecodePool(options: DecodePoolOptions): Promise<void> {
  sharedOptions = options;
  await closeDecodePool();
}

/** Terminates the process-wide pool's workers (a later decode starts new ones). */
export async function closeDecodePool(): Promise<void> {
  const pool = shared;
  shared = null;
  await pool?.close();
}
