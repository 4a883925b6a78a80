/**
 * The single error type of the AOI module: one line, `<file name>: <problem>`,
 * so the CLI and the app can show it to users as is (no stack traces).
 */
import { basename } from 'node:path';

export class AoiError extends Error {
  /** The path the caller passed (the message shows only its base name). */
  readonly path: string;

  constructor(path: string, problem: string) {
    super(`${basename(path) || path || '(no path)'}: ${problem.replace(/\s+/g, ' ').trim()}`);
    this.name = 'AoiError';
    this.path = path;
  }
}
