/**
 * The single error type of the AOI module: one line, `<file name>: <problem>`,
 * so the CLI and the app can show it to users as is (no stack traces).
 */
import { fileLabel, UserError } from '../../../shared/errors/index.js';

export class AoiError extends UserError {
  override name = 'AoiError';
  /** The path the caller passed (the message shows only its base name). */
  declare readonly path: string;

  constructor(path: string, problem: string) {
    super(`${fileLabel(path)}: ${problem}`, { path });
  }
}
