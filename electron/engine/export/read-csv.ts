/**
 * Reading a finished CSV export back (the app's results layer and exports):
 * rows as CellRows, streamed line by line, and the provenance sidecar.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseProvenanceText, type Provenance } from '../../../shared/provenance/index.js';
import { OutputError } from './output.js';
import type { CellResult } from '../rcf/featurize.js';

/** A row as CsvOutput wrote it from a CellResult: everything but the outline, features as float32 (NaN for empty fields). */
export type CsvCell = Omit<CellResult, 'features' | 'ring'> & { features: Float32Array };

const FIXED_COLUMNS = 9;

/** Streams the rows of a CSV written by CsvOutput. */
export async function* readCsvCells(path: string): AsyncGenerator<CsvCell> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let features = -1;
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (features < 0) {
      const header = line.split(',');
      if (header[0] !== 'cell_id' || header[FIXED_COLUMNS - 1] !== 'valid_fraction')
        throw new OutputError(`${path}: not an rcf features CSV (unexpected header)`);
      features = header.length - FIXED_COLUMNS;
      continue;
    }
    if (line.length === 0) continue;
    const fields = splitCsvLine(line);
    if (fields.length !== FIXED_COLUMNS + features)
      throw new OutputError(`${path}: line ${lineNumber} has ${fields.length} fields, expected ${FIXED_COLUMNS + features}`);
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
    text = await readFile(`${path}.json`, 'utf8');
  } catch (e) {
    throw new OutputError(`${path}.json: cannot read the provenance (${(e as Error).message})`);
  }
  return parseProvenanceText(text, `${path}.json`);
}

/** RFC 4180 fields of one line (quoted fields may hold commas and doubled quotes). */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) throw new OutputError(`unterminated quoted field: ${line.slice(i, i + 40)}`);
        if (line[q + 1] === '"') {
          value += line.slice(j, q + 1);
          j = q + 2;
        } else {
          value += line.slice(j, q);
          i = q + 1;
          break;
        }
      }
      fields.push(value);
      i++; // the comma
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      fields.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}
