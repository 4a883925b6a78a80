/**
 * A prediction file is written whole or not at all: under `OUT.partial` (with `OUT.lock` held, as every rcf output),
 * renamed to `OUT` only once complete; on any failure, cancellation included, the partial is removed. An existing `OUT`
 * is refused unless `overwrite`, before anything is written.
 */
import { rename, rm, stat } from 'node:fs/promises';
import { DATABASE_SUFFIXES, removeDatabase, renameDatabase } from '../gpkg.js';
import { OutputError, OutputLock, entryExists, ownFile, refuseInputs, wayOut } from '../output.js';
import type { PredictionWriteOptions } from './table.js';

/** Runs `write(partial)` and gives the file its final name; `database`: SQLite files with their journals. */
export async function writeAtomically(
  path: string,
  options: PredictionWriteOptions,
  database: boolean,
  write: (partial: string) => Promise<void>,
): Promise<void> {
  const partial = `${path}.partial`;
  const suffixes = database ? DATABASE_SUFFIXES : [''];
  await refuseInputs(
    [path, partial].flatMap((p) => suffixes.map((s) => p + s)),
    options.inputs ?? [],
  );
  const lock = await OutputLock.acquire(path);
  try {
    if (await entryExists(path)) {
      if (!options.overwrite) throw new OutputError(`${path} already exists; ${wayOut('replace')}`, { path });
      const s = await stat(path).catch(() => null);
      if (s?.isDirectory()) throw new OutputError(`${path} is a folder; choose a file name`, { path });
    }
    // A partial left by a process that died: ours to replace (we hold the lock), never through a link.
    for (const suffix of suffixes) await ownFile(partial + suffix, `remove it if no rcf is writing ${path}`);
    await (database ? removeDatabase(partial) : rm(partial, { force: true }));
    try {
      await write(partial);
      if (database) await renameDatabase(partial, path);
      else await rename(partial, path);
    } catch (err) {
      await (database ? removeDatabase(partial) : rm(partial, { force: true }));
      throw err;
    }
  } finally {
    await lock.release();
  }
}
