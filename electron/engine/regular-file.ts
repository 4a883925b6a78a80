/**
 * Reading small input files whole (weights, areas) without surprises: only regular
 * files (a FIFO would block forever, /dev/zero never ends), their size known before
 * anything is read, and no short read taken for the file's end.
 */
import { constants, open, type FileHandle } from 'node:fs/promises';
import { fileProblem } from '../../shared/errors/index.js';

export interface RegularFile {
  handle: FileHandle;
  size: number;
}

/**
 * Opens `path` for reading when it is a regular file; anything else is `fail(problem)`.
 * O_NONBLOCK makes opening a FIFO return at once, so it can be refused instead of waited on.
 */
export async function openRegularFile(path: string, fail: (problem: string) => Error): Promise<RegularFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fail(fileProblem(code) ?? `cannot be opened (${code ?? (e as Error).message})`);
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw fail('is a folder, not a file');
    if (!info.isFile()) throw fail('is not a regular file (a FIFO, device or socket)');
    return { handle, size: info.size };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** Exactly `length` bytes from `position`; a file that ends sooner (it shrank while read) is `fail(problem)`. */
export async function readExactly(file: RegularFile, position: number, length: number, fail: (problem: string) => Error): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw fail(`ended after ${position + done} of ${file.size} bytes (did it change while being read?)`);
    done += bytesRead;
  }
  return buffer;
}
