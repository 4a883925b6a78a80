/**
 * The error of the labels module: one line, `<file name>: <problem>`, as the
 * CLI and the app show it (a bad-input UserError naming the file).
 */
import { fileLabel, UserError } from '../../../shared/errors/index.js';

export class LabelError extends UserError {
  override name = 'LabelError';
  declare readonly path: string;

  constructor(path: string, problem: string) {
    super(`${fileLabel(path)}: ${problem}`, { path });
  }
}

/** An error maker for one file, as the shared readers take it. */
export const failFor =
  (path: string) =>
  (problem: string): LabelError =>
    new LabelError(path, problem);
