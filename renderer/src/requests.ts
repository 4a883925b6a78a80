/**
 * Which answers of the service the renderer shows. The service cancels a
 * preview, grid preview or estimate that a newer request of the same kind
 * superseded; and whatever the service does, a flow shows only the answer to
 * its newest request.
 */

/**
 * True for work that was cancelled rather than failed: by its kind or class
 * name where they survive the bridge, else by its message (Electron's
 * contextBridge keeps only an error's message, e.g. "cancelled: superseded").
 * Used for the calls the service supersedes, where no failure says "cancelled".
 */
export function isCancelledError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { kind, name, message } = error as { kind?: unknown; name?: unknown; message?: unknown };
  return kind === 'cancelled' || name === 'CancelledError' || (typeof message === 'string' && /\bcancelled\b/i.test(message));
}

/**
 * A request counter for one flow: `begin()` starts a request and gives the
 * function that says whether it is still the newest; `supersede()` makes every
 * request in flight stale (the settings they were asked with changed).
 */
export class LatestRequest {
  private newest = 0;

  begin(): () => boolean {
    const id = ++this.newest;
    return () => id === this.newest;
  }

  supersede(): void {
    this.newest++;
  }
}
