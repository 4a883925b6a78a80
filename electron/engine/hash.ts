import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { UserError, fileLabel, fileProblem } from '../../shared/errors/index.js';
import { LIMITS, LimitError } from './limits.js';

/** Bytes read per step; one buffer is reused for the whole file. */
const CHUNK = 1 << 20;

/** What a path is when it is not a regular file, in words. */
function kindOfNode(s: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'a socket or other special file';
}

/** An input file opened for reading, with the size it had when opened. */
export interface InputFile {
  handle: FileHandle;
  size: number;
}

/**
 * Opens an input for reading, refusing anything but a regular file (a FIFO would block forever, a device such as
 * /dev/zero never ends) and files over `maxBytes` (a LimitError), before a byte is read. O_NONBLOCK makes opening a
 * FIFO return at once instead of waiting for a writer; it changes nothing for regular files.
 * @param refuse makes the error for a problem in words ("is a folder, not a regular file"); a UserError by default
 */
export async function openInputFile(
  path: string,
  maxBytes: number = LIMITS.inputFileBytes,
  refuse: (problem: string) => Error = (problem) => new UserError(`${fileLabel(path)}: ${problem}`, { path }),
): Promise<InputFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const problem = fileProblem((err as { code?: unknown }).code);
    if (problem) throw refuse(problem);
    throw err;
  }
  try {
    const s = await handle.stat();
    if (!s.isFile()) throw refuse(`is ${kindOfNode(s)}, not a regular file`);
    if (s.size > maxBytes) throw new LimitError({ path }, `is ${s.size} bytes`, `${maxBytes} bytes`);
    return { handle, size: s.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

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

/** sha256 of a regular file (anything else is refused: see openInputFile). */
export async function sha256File(path: string): Promise<string> {
  const { handle } = await openInputFile(path);
  try {
    return (await hashHandle(handle)).sha256;
  } finally {
    await handle.close();
  }
}

/**
 * Fails when the input at `path` is no longer the file that was hashed: a different size or sha256 means it was
 * changed (or cut short) while the run read it, so results computed from it cannot be trusted. Call it once a run's
 * reads are done, with the size and sha256 recorded before them.
 */
export async function assertUnchanged(path: string, sha256: string, size: number): Promise<void> {
  const { handle } = await openInputFile(path, Number.MAX_SAFE_INTEGER);
  let now: { sha256: string; size: number };
  try {
    now = await hashHandle(handle);
  } finally {
    await handle.close();
  }
  if (now.size !== size) {
    throw new UserError(`${fileLabel(path)}: changed while it was read (${size} bytes before, ${now.size} now); run again`, { path });
  }
  if (now.sha256 !== sha256) throw new UserError(`${fileLabel(path)}: changed while it was read (its sha256 differs); run again`, { path });
}
