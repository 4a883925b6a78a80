import { open } from 'node:fs/promises';
import { createHash } from 'node:crypto';

/** Bytes read per step; one buffer is reused for the whole file. */
const CHUNK = 1 << 20;

/** sha256 of a file, read in chunks (inputs can be gigabytes) into one reused buffer. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK);
  const file = await open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}
