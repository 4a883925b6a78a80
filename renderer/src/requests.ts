/**
 * Which answers of the service the renderer shows. The service cancels a
 * preview, grid preview or estimate that a newer request of the same kind
 * superseded; and whatever the service does, a flow shows only the answer to
 * its newest request.
 */

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
