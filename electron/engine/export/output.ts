/**
 * What every export format does: it takes cells in grid order, knows which
 * cells an unfinished earlier run already wrote, and is only presented as
 * finished (under its final name, with its provenance) at the very end.
 *
 * The safety rules both formats follow, kept here once:
 * - one writer per output: `OUT.lock`, created exclusively, holds the writer's
 *   pid; a lock whose process is gone is taken over (OutputLock);
 * - small files (sidecars, records) are written to a new, exclusively created,
 *   randomly named file in the output's folder and renamed into place, so a
 *   planted symlink is never followed (writeFileAtomic);
 * - the files rcf keeps beside an output (partial, records, journals, lock) are
 *   its own: a symlink or a non-regular file in their place is refused (ownFile);
 * - no file of an output may be one of the run's inputs (refuseInputs).
 */
import { randomBytes } from 'node:crypto';
import { lstat, open, readFile, realpath, rename, rm, stat, link } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UserError, oneLine } from '../../../shared/errors/index.js';
import { nameOutputOptions } from '../../../shared/run/index.js';
import { LIMITS } from '../limits.js';
import type { CellResult } from '../rcf/featurize.js';

/** The backend a run's rows are computed on, as the kernel names it: values depend on it, so a resume must use the same. */
export interface BackendIdentity {
  name: string;
  device: string;
}

export interface FeatureOutput {
  /** True when a finished output with the same run identity was already there (`--resume`), and it verified. */
  readonly alreadyFinished: boolean;
  /** Cell ids an unfinished earlier run wrote (verified, the first cells of the grid order); they are not recomputed. */
  readonly doneCells: Set<string>;
  /**
   * Records the backend before the first row; on a resumed output, refuses one other than the backend its rows were
   * computed on (rows of two backends are never mixed).
   */
  useBackend(backend: BackendIdentity): Promise<void>;
  /** Adds a cell (writes may be buffered). */
  write(cell: CellResult): Promise<void>;
  /** Writes the provenance and marks the output finished. */
  finish(provenance: object): Promise<void>;
  /** Keeps what is written, unfinished, for `--resume`, and releases the file. */
  close(): Promise<void>;
  /** Ends a failed run: as `close`, but an output that holds no row is removed (with nothing to resume, it only blocks the next run). */
  abandon(): Promise<void>;
}

export interface OutputOptions {
  /** Continue an unfinished run (or accept a finished one with the same identity, once it verifies). */
  resume: boolean;
  /** Replace whatever is there. */
  overwrite: boolean;
  /** The run's cell ids in grid order: the rows an output holds are exactly the first of these, in this order. */
  cells: () => Iterable<string>;
  /** Files the run reads (rasters, area, weights): no output, partial or sidecar may be one of them. */
  inputs?: readonly string[];
}

/**
 * A refusal about an output. Its message may name output options as `{overwrite}`
 * or `{resume}`: `message` names them as people do, `describe(flagOf)` as the CLI does.
 */
export class OutputError extends UserError {
  override name = 'OutputError';
  /** The message before the options in it are named. */
  readonly template: string;

  constructor(template: string, options: { path?: string } = {}) {
    super(nameOutputOptions(template), options);
    this.template = template;
  }

  override describe(nameOf: (setting: string) => string): string {
    return oneLine(nameOutputOptions(this.template, nameOf));
  }
}

/**
 * The way out of a refusal about an existing output, in one place; the options are named by OutputError:
 * 'replace-or-resume' for a finished output, 'resume-or-start-over' for an unfinished one, 'replace' and 'write-again'
 * for a finished one that cannot be kept, 'start-over' for an unfinished one that cannot be continued.
 */
export function wayOut(what: 'replace-or-resume' | 'resume-or-start-over' | 'replace' | 'write-again' | 'start-over'): string {
  switch (what) {
    case 'replace-or-resume':
      return 'use {overwrite} to replace it or {resume} to continue it';
    case 'resume-or-start-over':
      return 'use {resume} to continue it or {overwrite} to start over';
    case 'replace':
      return 'use {overwrite} to replace it';
    case 'write-again':
      return 'use {overwrite} to write it again';
    case 'start-over':
      return 'use {overwrite} to start over';
  }
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether anything is at `path`, a dangling symlink included. */
export async function entryExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether rcf's own file `path` is there; a symlink or anything but a regular file in its place is refused, with
 * `remedy` as the way out (rcf never writes or reads its own files through a link).
 */
export async function ownFile(path: string, remedy: string): Promise<boolean> {
  let s;
  try {
    s = await lstat(path);
  } catch {
    return false;
  }
  if (s.isSymbolicLink()) throw new OutputError(`${path} is a symbolic link, which rcf never writes through; ${remedy}`);
  if (!s.isFile()) throw new OutputError(`${path} is not a regular file; ${remedy}`);
  return true;
}

/** A small file rcf wrote beside an output (a record, a sidecar), refused when it is over LIMITS.sidecarBytes. */
export async function readSmallText(path: string): Promise<string> {
  const s = await stat(path);
  if (!s.isFile()) throw new OutputError(`${path} is not a regular file`);
  if (s.size > LIMITS.sidecarBytes) {
    throw new OutputError(`${path}: holds ${s.size} bytes; the limit for a sidecar is ${LIMITS.sidecarBytes}`);
  }
  return readFile(path, 'utf8');
}

export { writeFileAtomic } from '../write-file.js';

/** Creates `path` exclusively (never through a planted link) and returns it open for writing. */
export async function createExclusive(path: string) {
  try {
    return await open(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new OutputError(`${path} appeared while rcf was creating it; try again`);
    throw err;
  }
}

/** Refuses, before anything is written, when one of an output's files is (resolves to, or is a hard link of) an input. */
export async function refuseInputs(files: readonly string[], inputs: readonly string[]): Promise<void> {
  const known = new Map<string, string>();
  for (const input of inputs) for (const id of await fileIds(input)) known.set(id, input);
  if (known.size === 0) return;
  for (const file of files) {
    for (const id of await fileIds(file)) {
      const input = known.get(id);
      if (input !== undefined) throw new OutputError(`${file} is the input ${input}; choose another output path`);
    }
  }
}

/** How a file is recognised whatever path reaches it: device and inode (where the file system has them) and the real path. */
async function fileIds(path: string): Promise<string[]> {
  try {
    const s = await stat(path, { bigint: true });
    const ids = [`path:${await realpath(path)}`];
    if (s.ino !== 0n) ids.push(`inode:${s.dev}:${s.ino}`);
    return ids;
  } catch {
    return [];
  }
}

/** Locks this process holds, by absolute path: a lock with this process's pid that is not here is stale (a reused pid). */
const held = new Set<string>();

/**
 * One writer per output: the lock file `OUT.lock` holds the writer's pid. It is written whole under a temporary name and
 * linked into place (link fails when the lock exists), so a lock is never seen half-written; where the file system has no
 * hard links it is created exclusively instead. A lock whose process no longer runs is taken over.
 */
export class OutputLock {
  readonly path: string;
  private readonly text: string;

  private constructor(path: string, text: string) {
    this.path = path;
    this.text = text;
  }

  static async acquire(output: string): Promise<OutputLock> {
    const path = `${output}.lock`;
    const text = `${process.pid}\n`;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await createLock(path, text)) {
        held.add(resolve(path));
        return new OutputLock(path, text);
      }
      await ownFile(path, `remove it if no rcf is writing ${output}`);
      let found: string;
      try {
        found = await readFile(path, 'utf8');
      } catch {
        continue; // released meanwhile
      }
      const pid = /^([1-9][0-9]{0,9})\n$/.exec(found);
      if (!pid) throw new OutputError(`${path} is not a lock rcf wrote; remove it if no rcf is writing ${output}`);
      if (running(Number(pid[1]), path)) {
        throw new OutputError(`${output} is being written by process ${pid[1]} (its lock is ${path}); wait for that run to end`);
      }
      // Stale: move it aside under a unique name (of two takers, one wins); put it back if it is not the lock judged stale.
      const aside = `${path}.${randomBytes(6).toString('hex')}.stale`;
      try {
        await rename(path, aside);
      } catch {
        continue;
      }
      const moved = await readFile(aside, 'utf8').catch(() => null);
      if (moved !== found) await link(aside, path).catch(() => {});
      await rm(aside, { force: true });
    }
    throw new OutputError(`${output}: could not take its lock ${path}; try again`);
  }

  /** Removes the lock if it is still this process's. */
  async release(): Promise<void> {
    if (!held.delete(resolve(this.path))) return;
    const now = await readFile(this.path, 'utf8').catch(() => null);
    if (now === this.text) await rm(this.path, { force: true });
  }
}

/** Creates the lock with its content in one step; false when a lock is already there. */
async function createLock(path: string, text: string): Promise<boolean> {
  const tmp = join(dirname(path), `.rcf-${randomBytes(8).toString('hex')}.lock`);
  const handle = await open(tmp, 'wx').catch((err: NodeJS.ErrnoException) => {
    throw folderError(path.replace(/\.lock$/, ''), err);
  });
  try {
    await handle.writeFile(text);
    await handle.close();
    try {
      await link(tmp, path);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    }
    // No hard links here: create it exclusively and write it (a lock is then briefly empty).
    try {
      const direct = await open(path, 'wx');
      await direct.writeFile(text).finally(() => direct.close());
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  } finally {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
  }
}

/** The refusal of an output whose folder cannot be written in, naming the output as the user gave it (not a temporary file). */
function folderError(output: string, err: NodeJS.ErrnoException): Error {
  const folder = dirname(output);
  if (err.code === 'ENOENT') return new OutputError(`${output}: the folder ${folder} does not exist`, { path: output });
  if (err.code === 'ENOTDIR') return new OutputError(`${output}: ${folder} is not a folder`, { path: output });
  if (err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS') {
    return new OutputError(
      `${output}: cannot write in the folder ${folder} (${err.code === 'EROFS' ? 'read-only' : 'permission denied'})`,
      {
        path: output,
      },
    );
  }
  return err;
}

/** Whether the process that wrote a lock still runs (a process of another user counts as running). */
function running(pid: number, lock: string): boolean {
  if (pid === process.pid) return held.has(resolve(lock));
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A run key as compared when an output is opened: everything but `backend`, which is only known once the kernel is
 * bound and is checked then (FeatureOutput.useBackend). null for no key.
 */
export function runKeyText(run: unknown): string | null {
  if (typeof run !== 'object' || run === null || Array.isArray(run)) return JSON.stringify(run) ?? null;
  const rest: Record<string, unknown> = { ...(run as Record<string, unknown>) };
  delete rest.backend;
  return JSON.stringify(rest);
}

/** The run-key fields (featurize-job's runKey) that are one run option, by that option's key. */
const RUN_KEY_SETTINGS: Record<string, string> = {
  bands: 'bands',
  cell_size: 'cellSize',
  edge: 'edge',
  nodata: 'nodata',
  convention: 'convention',
  bias: 'bias',
  features: 'features',
  kernel: 'kernel',
};

/**
 * What first differs between a stored run key and this run's (`key`, as runKeyText gives it), for the refusal
 * "made with other settings or inputs": ` (its {cellSize} is 128, this run's 256)`; empty when nothing can be said.
 * Settings are named as `{key}`, which OutputError names as the CLI or the app does.
 */
export function runDifference(recorded: unknown, key: string | null): string {
  const theirs = JSON.parse(runKeyText(recorded) ?? 'null') as Record<string, unknown> | null;
  const ours = JSON.parse(key ?? 'null') as Record<string, unknown> | null;
  if (typeof theirs !== 'object' || theirs === null || typeof ours !== 'object' || ours === null) return '';
  const show = (v: unknown) => (v === null || v === undefined ? 'none' : typeof v === 'string' ? v : JSON.stringify(v));
  const differs = (field: string) => JSON.stringify(theirs[field]) !== JSON.stringify(ours[field]);
  for (const field of Object.keys(ours)) {
    if (!differs(field)) continue;
    if (field === 'inputs') return ` (${inputsDifference(theirs.inputs, ours.inputs)})`;
    if (field === 'scaling') {
      const [a, b] = [theirs.scaling, ours.scaling] as Record<string, unknown>[];
      const which = (['scale', 'offset', 'useRasterScale'] as const).find((k) => a?.[k] !== b?.[k]) ?? 'scale';
      const option = which === 'useRasterScale' ? 'rasterScale' : which;
      return ` (its {${option}} is ${show(a?.[which])}, this run's ${show(b?.[which])})`;
    }
    if (field === 'aoi')
      return ` (its {aoi} ${theirs.aoi ? 'was another area' : 'was none'}, this run's ${ours.aoi ? 'is an area' : 'is none'})`;
    if (field === 'weights_sha256') return ' (its filters are other ones: another {seed}, {mode} or weights file)';
    const option = RUN_KEY_SETTINGS[field];
    if (option) return ` (its {${option}} is ${show(theirs[field])}, this run's ${show(ours[field])})`;
  }
  return '';
}

function inputsDifference(theirs: unknown, ours: unknown): string {
  const list = (v: unknown) => (Array.isArray(v) ? (v as { name?: unknown; sha256?: unknown }[]) : []);
  const [a, b] = [list(theirs), list(ours)];
  const names = (l: typeof a) => l.map((i) => String(i.name)).join(', ');
  if (a.length !== b.length || a.some((x, i) => x.name !== b[i].name))
    return `its inputs are ${names(a) || 'none'}, this run's ${names(b)}`;
  const changed = b.find((x, i) => x.sha256 !== a[i].sha256);
  return changed ? `${String(changed.name)} has changed since` : 'its inputs differ';
}

/** The backend recorded in a stored run key, if any. */
export function recordedBackend(run: unknown): BackendIdentity | null {
  const b = (run as { backend?: unknown } | null)?.backend as BackendIdentity | undefined;
  return b && typeof b.name === 'string' && typeof b.device === 'string' ? { name: b.name, device: b.device } : null;
}

/** The refusal of a resume on another backend than the one the kept rows were computed on. */
export function otherBackendError(file: string, recorded: BackendIdentity, now: BackendIdentity): OutputError {
  const describe = (b: BackendIdentity) => `the ${b.name} backend on ${b.device}`;
  return new OutputError(
    `${file} was computed with ${describe(recorded)}, but this run uses ${describe(now)}; ` +
      `resume with the same backend and threads, or ${wayOut('start-over')}`,
    { path: file },
  );
}
