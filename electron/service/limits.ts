/**
 * The service's own budgets (the engine's are electron/engine/limits.ts; a request's size is bounded by the
 * contract's REQUEST_LIMITS): how much one call or run may hold, how many runs wait, how long a cancelled
 * task may take to stop before its worker is terminated. The README's "Bad files" section states them.
 */
export const SERVICE_LIMITS = {
  /** Runs waiting behind the one running; a startRun beyond is refused. */
  queuedRuns: 16,
  /** Calls (previews, grids, estimates...) worked on at once; more wait for one to end. */
  concurrentCalls: 3,
  /** Calls waiting for a worker; a call beyond is refused. */
  waitingCalls: 64,
  /** V8 heap of a call's worker: a call that needs more is refused, the service goes on. */
  callHeapMb: 384,
  /** V8 heap of a run's worker. */
  runHeapMb: 512,
  /** A cancelled call's worker is terminated unless it stops within this (its answer was already 'cancelled'). */
  callStopMs: 1000,
  /** A cancelled run stops within one strip of cells; a worker still busy after this is terminated. */
  runStopMs: 10_000,
} as const;
