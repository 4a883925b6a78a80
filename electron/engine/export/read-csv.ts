/**
 * Reading CSV exports back (the app's results layer and exports, and `--resume`):
 * one RFC 4180 record parser that handles every case the writer (`csvField`)
 * produces — quoted fields holding commas, doubled quotes and line breaks —
 * streamed, in linear time, and bounded: a quote never closed is an error at
 * the end of the input, never a wait, and no record may exceed
 * LIMITS.csvRecordChars.
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { parseProvenanceText, type Provenance } from '../../../shared/provenance/index.js';
import { LIMITS } from '../limits.js';
import { OutputError, readSmallText } from './output.js';
import type { CellResult } from '../rcf/featurize.js';

/** A row as CsvOutput wrote it from a CellResult: everything but the outline, features as float32 (NaN for empty fields). */
export type CsvCell = Omit<CellResult, 'features' | 'ring'> & { features: Float32Array };

export const FIXED_COLUMNS = 9;

/** One record: its fields, the line it starts on, and whether a line break ended it (the last one of a file may lack one). */
export interface CsvRecord {
  fields: string[];
  line: number;
  terminated: boolean;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const SPECIAL = /[",\r\n]/g;

/**
 * A push parser: feed text with `push`, then call `end`. Completed records are appended to the array given. Errors are
 * OutputErrors naming `where` and the line.
 */
export class CsvRecordParser {
  private fields: string[] = [];
  private field = '';
  /** 'start': at a field's start; 'plain': inside an unquoted field; 'quoted': inside quotes; 'quote': just after a quote inside quotes. */
  private state: 'start' | 'plain' | 'quoted' | 'quote' = 'start';
  private line = 1;
  private recordLine = 1;
  private chars = 0;
  /** A CR just ended a record: an LF right after it belongs to the same line break. */
  private afterCr = false;

  private readonly where: string;

  constructor(where: string) {
    this.where = where;
  }

  push(text: string, out: CsvRecord[]): void {
    const n = text.length;
    let i = 0;
    while (i < n) {
      if (this.afterCr) {
        this.afterCr = false;
        if (text.charCodeAt(i) === LF) {
          i++;
          continue;
        }
      }
      if (this.state === 'quoted') {
        const q = text.indexOf('"', i);
        const end = q < 0 ? n : q;
        this.take(text, i, end);
        for (let j = i; j < end; j++) if (text.charCodeAt(j) === LF) this.line++;
        if (q < 0) return;
        this.state = 'quote';
        i = q + 1;
        continue;
      }
      const c = text.charCodeAt(i);
      if (this.state === 'quote') {
        if (c === QUOTE) {
          this.take('"', 0, 1);
          this.state = 'quoted';
          i++;
          continue;
        }
        if (c !== COMMA && c !== LF && c !== CR) throw this.error(`line ${this.line}: a quoted field is followed by other text`);
      } else if (this.state === 'start' && c === QUOTE) {
        this.state = 'quoted';
        i++;
        continue;
      } else {
        SPECIAL.lastIndex = i;
        const m = SPECIAL.exec(text);
        const end = m ? m.index : n;
        this.take(text, i, end);
        this.state = 'plain';
        if (!m) return;
        i = end;
        if (text.charCodeAt(i) === QUOTE) throw this.error(`line ${this.line}: a quote inside an unquoted field`);
      }
      // A delimiter ends the field: a comma the field, a line break the record.
      const d = text.charCodeAt(i);
      this.fields.push(this.field);
      this.field = '';
      this.state = 'start';
      i++;
      if (d === COMMA) continue;
      out.push({ fields: this.fields, line: this.recordLine, terminated: true });
      this.fields = [];
      this.chars = 0;
      this.line++;
      this.recordLine = this.line;
      if (d === CR) this.afterCr = true;
    }
  }

  /** The input is over: a record without a final line break is completed; an open quote is an error. */
  end(out: CsvRecord[]): void {
    if (this.state === 'quoted') throw this.error(`line ${this.recordLine}: a quoted field is never closed (the file ends inside it)`);
    if (this.state === 'start' && this.fields.length === 0) return;
    this.fields.push(this.field);
    out.push({ fields: this.fields, line: this.recordLine, terminated: false });
    this.fields = [];
    this.field = '';
    this.state = 'start';
  }

  private take(text: string, from: number, to: number): void {
    if (to <= from) return;
    this.chars += to - from;
    if (this.chars > LIMITS.csvRecordChars) {
      throw this.error(`line ${this.recordLine}: the row is longer than the limit of ${LIMITS.csvRecordChars} characters`);
    }
    this.field += text.slice(from, to);
  }

  private error(problem: string): OutputError {
    return new OutputError(`${this.where}: ${problem}`, { path: this.where });
  }
}

/** The records of one text (all of it in memory; for a file, use `csvFileRecords`). */
export function parseCsv(text: string, where: string): CsvRecord[] {
  const parser = new CsvRecordParser(where);
  const out: CsvRecord[] = [];
  parser.push(text, out);
  parser.end(out);
  return out;
}

/**
 * Streams the records of a file, or of its first `bytes` bytes; `onBytes` sees every byte read (to checksum exactly
 * what was parsed).
 */
export async function* csvFileRecords(
  path: string,
  options: { bytes?: number; onBytes?: (chunk: Buffer) => void } = {},
): AsyncGenerator<CsvRecord> {
  const parser = new CsvRecordParser(path);
  const decoder = new StringDecoder('utf8');
  const out: CsvRecord[] = [];
  if (options.bytes !== 0) {
    const end = options.bytes === undefined ? undefined : options.bytes - 1;
    for await (const chunk of createReadStream(path, { start: 0, end, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      options.onBytes?.(chunk);
      parser.push(decoder.write(chunk), out);
      yield* out;
      out.length = 0;
    }
  }
  parser.push(decoder.end(), out);
  parser.end(out);
  yield* out;
}

/** Streams the rows of a CSV written by CsvOutput. */
export async function* readCsvCells(path: string): AsyncGenerator<CsvCell> {
  let features = -1;
  for await (const { fields, line } of csvFileRecords(path)) {
    if (features < 0) {
      if (fields[0] !== 'cell_id' || fields[FIXED_COLUMNS - 1] !== 'valid_fraction')
        throw new OutputError(`${path}: not an rcf features CSV (unexpected header)`);
      features = fields.length - FIXED_COLUMNS;
      continue;
    }
    if (fields.length === 1 && fields[0] === '') continue;
    if (fields.length !== FIXED_COLUMNS + features)
      throw new OutputError(`${path}: line ${line} has ${fields.length} fields, expected ${FIXED_COLUMNS + features}`);
    const number = (text: string) => (text === '' ? NaN : Number(text));
    const values = new Float32Array(features);
    for (let i = 0; i < features; i++) values[i] = number(fields[FIXED_COLUMNS + i]);
    yield {
      cellId: fields[0],
      source: fields[1],
      row: Number(fields[2]),
      col: Number(fields[3]),
      x: number(fields[4]),
      y: number(fields[5]),
      lon: number(fields[6]),
      lat: number(fields[7]),
      validFraction: number(fields[8]),
      features: values,
    };
  }
}

/** The provenance sidecar (`OUT.csv.json`) of a finished CSV export, validated (a UserError when it is not one). */
export async function readCsvProvenance(path: string): Promise<Provenance> {
  let text: string;
  try {
    text = await readSmallText(`${path}.json`);
  } catch (e) {
    if (e instanceof OutputError) throw e;
    throw new OutputError(`${path}.json: cannot read the provenance (${(e as Error).message})`);
  }
  return parseProvenanceText(text, `${path}.json`);
}

/** RFC 4180 fields of one record's text (quoted fields may hold commas, doubled quotes and line breaks). */
export function splitCsvLine(line: string): string[] {
  const records = parseCsv(line, 'a CSV row');
  return records.length === 0 ? [''] : records[0].fields;
}
