/**
 * CSV export: one row per cell, columns
 * `cell_id,source,row,col,x,y,lon,lat,valid_fraction,f0,…,f{K-1}`.
 *
 * Never a half-written file presented as finished: rows go to `OUT.csv.partial`
 * (with the run's identity in `OUT.csv.partial.json`), and only a completed run
 * writes the provenance sidecar `OUT.csv.json` and renames the rows to `OUT.csv`.
 * `resume` continues an unfinished run of the same identity; the result is
 * byte-for-byte what an uninterrupted run writes (no per-row timestamps).
 */
import { open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import type { CellResult } from '../rcf/featurize.js';
import { parseProvenanceText } from '../../../shared/provenance/index.js';
import { csvField, formatFloat32, formatFloat64 } from './format.js';
import { OutputError, pathExists, type FeatureOutput, type OutputOptions } from './output.js';

export { OutputError };

export function csvHeader(features: number): string {
  const cols = ['cell_id', 'source', 'row', 'col', 'x', 'y', 'lon', 'lat', 'valid_fraction'];
  for (let i = 0; i < features; i++) cols.push(`f${i}`);
  return cols.join(',');
}

export function csvRow(cell: CellResult): string {
  const parts = [
    csvField(cell.cellId),
    csvField(cell.source),
    String(cell.row),
    String(cell.col),
    formatFloat64(cell.x),
    formatFloat64(cell.y),
    formatFloat64(cell.lon),
    formatFloat64(cell.lat),
    formatFloat32(cell.validFraction),
  ];
  for (let i = 0; i < cell.features.length; i++) parts.push(formatFloat32(cell.features[i]));
  return parts.join(',');
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

/** An open CSV output: knows which cells are done and takes rows in order. */
export class CsvOutput implements FeatureOutput {
  /** True when a finished output with the same identity was already there. */
  readonly alreadyFinished: boolean;
  readonly doneCells: Set<string>;
  private readonly path: string;
  private handle: FileHandle | null;
  private pending: string[] = [];

  private constructor(path: string, handle: FileHandle | null, doneCells: Set<string>, alreadyFinished: boolean) {
    this.path = path;
    this.handle = handle;
    this.doneCells = doneCells;
    this.alreadyFinished = alreadyFinished;
  }

  /**
   * Opens `path` for a run whose identity is `runKey` (a JSON-able description
   * of everything that determines the output). Refuses to touch existing output
   * unless told to resume or overwrite.
   */
  static async open(path: string, features: number, runKey: unknown, options: OutputOptions): Promise<CsvOutput> {
    const partial = `${path}.partial`;
    const partialKey = `${partial}.json`;
    const sidecar = `${path}.json`;
    const key = JSON.stringify(runKey);
    const header = csvHeader(features);
    if (options.overwrite) {
      await Promise.all([path, partial, partialKey, sidecar].map((p) => rm(p, { force: true })));
    } else if (await pathExists(path)) {
      if (!options.resume) throw new OutputError(`${path} already exists; use --overwrite to replace it or --resume to continue it`);
      const finishedKey = await readFinishedRunKey(sidecar);
      if (finishedKey !== key) throw new OutputError(`${path} was made with other settings or inputs; use --overwrite to replace it`);
      return new CsvOutput(path, null, new Set(), true);
    } else if (await pathExists(partial)) {
      if (!options.resume)
        throw new OutputError(`${partial} holds an unfinished run; use --resume to continue it or --overwrite to start over`);
      const previousKey = await readRunKey(partialKey);
      if (previousKey !== key)
        throw new OutputError(`${partial} is an unfinished run with other settings or inputs; use --overwrite to start over`);
      const done = await truncateToCompleteRows(partial, header);
      const handle = await open(partial, 'a');
      return new CsvOutput(path, handle, done, false);
    }
    await writeAtomic(partialKey, JSON.stringify({ run: runKey }, null, 1) + '\n');
    const handle = await open(partial, 'w');
    await handle.write(header + '\n');
    return new CsvOutput(path, handle, new Set(), false);
  }

  /** Appends a cell's row (buffered; flushed by `flush`, `finish` and `close`). */
  async write(cell: CellResult): Promise<void> {
    this.pending.push(csvRow(cell) + '\n');
    if (this.pending.length >= 64) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.handle || this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    await this.handle.write(text);
  }

  /** Marks the output finished: the sidecar first, then the rows under their final name. */
  async finish(provenance: object): Promise<void> {
    if (!this.handle) return;
    await this.flush();
    await this.handle.sync();
    await this.handle.close();
    this.handle = null;
    const partial = `${this.path}.partial`;
    const run = JSON.parse(await readFile(`${partial}.json`, 'utf8')).run;
    await writeAtomic(`${this.path}.json`, JSON.stringify({ ...provenance, run }, null, 1) + '\n');
    await rename(partial, this.path);
    await rm(`${partial}.json`, { force: true });
  }

  /** Keeps what is done (for --resume) and releases the file. */
  async close(): Promise<void> {
    if (!this.handle) return;
    await this.flush();
    await this.handle.close();
    this.handle = null;
  }
}

/** The run identity in a finished output's provenance sidecar, or null without one; a sidecar that is not provenance is refused. */
async function readFinishedRunKey(sidecar: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(sidecar, 'utf8');
  } catch {
    return null;
  }
  return JSON.stringify(parseProvenanceText(text, sidecar).run) ?? null;
}

async function readRunKey(path: string): Promise<string | null> {
  try {
    return JSON.stringify(JSON.parse(await readFile(path, 'utf8')).run);
  } catch {
    return null;
  }
}

/** Drops a torn last row (after a crash) and returns the cell ids already written. */
async function truncateToCompleteRows(partial: string, header: string): Promise<Set<string>> {
  const text = await readFile(partial, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  const lines = text.slice(0, end).split('\n').slice(0, -1);
  if (lines[0] !== header) {
    throw new OutputError(`${partial} does not start with the expected header; use --overwrite to start over`);
  }
  if (end < text.length) {
    const handle = await open(partial, 'r+');
    await handle.truncate(Buffer.byteLength(text.slice(0, end)));
    await handle.close();
  }
  const done = new Set<string>();
  for (const line of lines.slice(1)) done.add(firstField(line));
  return done;
}

function firstField(line: string): string {
  if (!line.startsWith('"')) return line.slice(0, line.indexOf(','));
  let i = 1;
  let out = '';
  for (;;) {
    const q = line.indexOf('"', i);
    if (line[q + 1] === '"') {
      out += line.slice(i, q + 1);
      i = q + 2;
    } else return out + line.slice(i, q);
  }
}
