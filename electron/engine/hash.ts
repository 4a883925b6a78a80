/** Hashes of inputs, for provenance and for checking that an input did not change during a run. */
import { type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { UserError, fileLabel } from '../../shared/errors/index.js';
import { openInputFile } from './input-file.js';

export { openInputFile, type InputFile } from './input-file.js';

/** Bytes read per step; one buffer is reused for the whole file. */
const CHUNK = 1 << 20;

/** sha256 of an open file, read in chunks (inputs can be gigabytes) into one reused buffer; also its length. */
async function hashHandle(handle: FileHandle): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK);
  let size = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
    if (bytesRead === 0) break;
    size += bytesRead;
    hash.update(buffer.subarray(0, bytesRead));
  }
  return { sha256: hash.digest('hex'), size };
}

/** sha256 and size of a regular file, from one read (anything else is refused: see openInputFile). */
export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const { handle } = await openInputFile(path);
  try {
    return await hashHandle(handle);
  } finally {
    await handle.close();
  }
}

export async function sha256File(path: string): Promise<string> {
  return (await hashFile(path)).sha256;
}

/**
 * Fails when the input at `path` is no longer the file that was hashed: a different size or sha256 means it was
 * changed (or cut short) while the run read it, so results computed from it cannot be trusted. Call it once a run's
 * reads are done, with the size and sha256 recorded before them.
 */
export async function assertUnchanged(path: string, before: { sha256: string; size: number }): Promise<void> {
  const changed = (how: string) =>
    new UserError(`${fileLabel(path)}: the file changed during the run (${how}); its output is left unfinished`, { path });
  let now: { sha256: string; size: number };
  try {
    const { handle } = await openInputFile(path, Number.MAX_SAFE_INTEGER);
    try {
      now = await hashHandle(handle);
    } finally {
      await handle.close();
    }
  } catch {
    throw changed('it can no longer be read');
  }
  if (now.size !== before.size) throw changed(`${before.size} bytes when it was hashed, now ${now.size}`);
  if (now.sha256 !== before.sha256) throw changed('its sha256 is not the one recorded');
}
