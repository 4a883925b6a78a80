/**
 * The bytes of a raster file, for geotiff.js and our own structure check, read through one file handle with every
 * read checked.
 *
 * geotiff.js's own file source ignores how many bytes a read returned: a file cut short while it is read gives
 * blocks of zeros, i.e. wrong cells that look fine. Here a read that returns fewer bytes than the file held when it
 * was opened fails with one line. Reads reaching past that size (geotiff.js reads IFDs in fixed 1 KiB chunks) get
 * zeros beyond it, as before: the structure check has already made sure nothing the decoder uses lies there.
 */
import { openInputFile, type InputFile } from '../hash.js';
import { LIMITS } from '../limits.js';
import { RasterError } from './errors.js';

interface Slice {
  offset: number;
  length: number;
}

export class CheckedFileSource {
  readonly path: string;
  readonly file: InputFile;

  constructor(path: string, file: InputFile) {
    this.path = path;
    this.file = file;
  }

  get fileSize(): number {
    return this.file.size;
  }

  /** `length` bytes at `offset`; zeros past the size the file had when opened; a short read inside it fails. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    const expected = Math.max(0, Math.min(length, this.file.size - offset));
    let got = 0;
    while (got < expected) {
      const { bytesRead } = await this.file.handle.read(out, got, expected - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got < expected) {
      throw new RasterError(
        this.path,
        `the file was cut short while it was read (${this.file.size} bytes when opened, nothing after byte ${offset + got})`,
      );
    }
    return out;
  }

  /** geotiff.js's source interface (BaseSource). */
  async fetch(slices: Slice[]): Promise<ArrayBuffer[]> {
    return Promise.all(slices.map(async (s) => (await this.fetchSlice(s)).data));
  }

  async fetchSlice(slice: Slice): Promise<Slice & { data: ArrayBuffer }> {
    return { ...slice, data: (await this.read(slice.offset, slice.length)).buffer as ArrayBuffer };
  }

  async close(): Promise<void> {
    await this.file.handle.close();
  }
}

/** Opens a raster file: a regular file within LIMITS.inputFileBytes (see openInputFile), for checked reads. */
export async function openRasterFile(path: string): Promise<CheckedFileSource> {
  const refuse = (problem: string) => new RasterError(path, problem);
  return new CheckedFileSource(path, await openInputFile(path, LIMITS.inputFileBytes, refuse));
}
