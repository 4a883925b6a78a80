/**
 * What every export format does: it takes cells in grid order, knows which
 * cells an unfinished earlier run already wrote, and is only presented as
 * finished (under its final name, with its provenance) at the very end.
 */
import { stat } from 'node:fs/promises';
import { UserError } from '../../../shared/errors/index.js';
import type { CellResult } from '../rcf/featurize.js';

export interface FeatureOutput {
  /** True when a finished output with the same run identity was already there (`--resume`). */
  readonly alreadyFinished: boolean;
  /** Cell ids an unfinished earlier run wrote; they are not recomputed. */
  readonly doneCells: Set<string>;
  /** Adds a cell (writes may be buffered). */
  write(cell: CellResult): Promise<void>;
  /** Writes the provenance and marks the output finished. */
  finish(provenance: object): Promise<void>;
  /** Keeps what is written, unfinished, for `--resume`, and releases the file. */
  close(): Promise<void>;
}

export interface OutputOptions {
  /** Continue an unfinished run (or accept a finished one with the same identity). */
  resume: boolean;
  /** Replace whatever is there. */
  overwrite: boolean;
}

export class OutputError extends UserError {
  override name = 'OutputError';
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
