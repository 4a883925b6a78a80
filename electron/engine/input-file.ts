/**
 * Opening and reading inputs (rasters, weights, areas) without surprises: only
 * regular files (a FIFO would block forever, /dev/zero never ends), their size
 * known and checked before a byte is read, and no short read ever taken for data.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { UserError, fileLabel, fileProblem, isUrl } from '../../shared/errors/index.js';
import { LIMITS, LimitError } from './limits.js';

/** An input file opened for reading, with the size it had when opened. */
export interface InputFile {
  handle: FileHandle;
  size: number;
}

/** What a path is when it is not a regular file, in words. */
function notAFile(s: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (s.isDirectory()) return fileProblem('EISDIR')!;
  if (s.isFIFO()) return 'is a named pipe (FIFO), not a regular file';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'is a device, not a regular file';
  return 'is a socket or other special file, not a regular file';
}

/**
 * Opens an input for reading, refusing anything but a regular file and files over `maxBytes` (a LimitError),
 * before a byte is read. O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer; it
 * changes nothing for regular files.
 * @param refuse makes the error for a problem in words ("is a folder, not a file"); a UserError naming the file by default
 */
export async function openInputFile(
  path: string,
  maxBytes: number = LIMITS.inputFileBytes,
  refuse: (problem: string) => Error = (problem) => new UserError(`${fileLabel(path)}: ${problem}`, { path }),
): Promise<InputFile> {
  if (isUrl(path)) throw refuse('is a URL; rcf reads local files only: download it first (e.g. curl -LO URL)');
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw refuse(fileProblem(code) ?? `cannot be opened (${code ?? (err as Error).message})`);
  }
  try {
    const s = await handle.stat();
    if (!s.isFile()) throw refuse(notAFile(s));
    if (s.size > maxBytes) throw new LimitError({ path }, `is ${s.size} bytes`, `${maxBytes} bytes`);
    return { handle, size: s.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Exactly `length` bytes from `position`; a file that ends sooner (it shrank while read) is `fail(problem)`. */
export async function readExactly(file: InputFile, position: number, length: number, fail: (problem: string) => Error): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw fail(`ended after ${position + done} of ${file.size} bytes (did it change while being read?)`);
    done += bytesRead;
  }
  return buffer;
}
