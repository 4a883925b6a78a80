// Provenance read back by the service: the run store (history) and the results layer open runs the first version
// wrote, and refuse a damaged provenance with one line naming the file.
import { describe, it, expect } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../shared/errors/index.js';
import { RunStore } from '../../electron/service/runs.js';
import { createService } from '../../electron/service/service.js';
import { readCsv, tempDir } from '../helpers/cli.js';
import { PROVENANCE_FIXTURES, firstVersionDocument, firstVersionText } from '../helpers/provenance.js';

// The settings of the fixture's run (tests/fixtures/provenance/README.md), as the first version stored them (nested).
const SETTINGS = {
  inputs: ['landsat8_b2-b5.tif'],
  filters: { mode: 'gaussian', features: 8, kernel: 3, seed: 3 },
  scaling: { scale: 0.0001, offset: 0, useRasterScale: false },
  cellSize: '128',
  edge: 'drop',
  area: null,
  nodata: 'mask',
  convention: 'torchgeo',
  backend: 'cpu',
  threads: 2,
};

/** A run folder as the first version left it: record.json (provenance without `version`), features.csv and its sidecar. */
function firstVersionRun(dataDir: string, id: string, provenance: unknown = withoutRun(firstVersionDocument())): string {
  const dir = join(dataDir, 'runs', id);
  mkdirSync(dir, { recursive: true });
  const times = { started: '2026-12-03T09:14:45.903Z', ended: '2026-12-03T09:14:46.500Z' };
  const record = { id, settings: SETTINGS, state: 'finished', ...times, message: null, cells: 16, provenance };
  writeFileSync(join(dir, 'record.json'), JSON.stringify(record, null, 1) + '\n');
  copyFileSync(join(PROVENANCE_FIXTURES, 'gaussian.csv'), join(dir, 'features.csv'));
  writeFileSync(join(dir, 'features.csv.json'), firstVersionText());
  return dir;
}

function withoutRun(document: Record<string, unknown>): Record<string, unknown> {
  delete document.run;
  return document;
}

function service(dataDir: string) {
  return createService({ dataDir, emit: () => {} });
}

describe('the run store', () => {
  it('opens a record the first version wrote, adding only the version, and saves it back so', async () => {
    const dataDir = tempDir();
    const dir = firstVersionRun(dataDir, 'old');
    const store = new RunStore(dataDir);
    const record = await store.load('old');
    const written = withoutRun(firstVersionDocument());
    expect(record.provenance).toEqual({ version: 2, ...written });
    expect(Object.keys(record.provenance!)).toEqual(['version', ...Object.keys(written)]);
    expect((await store.list()).map((r) => r.id)).toEqual(['old']);
    await store.save(record);
    const saved = JSON.parse(readFileSync(join(dir, 'record.json'), 'utf8'));
    expect(JSON.stringify(saved.provenance)).toBe(JSON.stringify({ version: 2, ...written }));
  });

  it('refuses a record whose provenance is damaged, naming the file; the history leaves it out', async () => {
    const dataDir = tempDir();
    firstVersionRun(dataDir, 'old');
    const damaged = withoutRun(firstVersionDocument());
    damaged.nodata_policy = 'ignore';
    const dir = firstVersionRun(dataDir, 'damaged', damaged);
    const store = new RunStore(dataDir);
    const error = await store.load('damaged').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(
      /^record\.json: not a provenance document RCF Desktop can read \(nodata_policy: Invalid option: /,
    );
    expect((error as UserError).path).toBe(join(dir, 'record.json'));
    const { runs } = await service(dataDir).handlers.history({}, new AbortController().signal);
    expect(runs.map((r) => [r.id, r.provenance?.version])).toEqual([['old', 2]]);
  });
});

describe('the results layer', () => {
  it('draws the cells of a run the first version wrote, from its sidecar', async () => {
    const dataDir = tempDir();
    firstVersionRun(dataDir, 'old');
    const results = await service(dataDir).handlers.results({ runId: 'old' }, new AbortController().signal);
    // Each outline, rebuilt from the provenance's grid, is centred on the cell's centre as the CSV records it.
    const centres = new Map(readCsv(join(PROVENANCE_FIXTURES, 'gaussian.csv')).rows.map((r) => [r[0], [Number(r[6]), Number(r[7])]]));
    expect(results.cells.map((c) => c.cellId)).toEqual([...centres.keys()]);
    for (const cell of results.cells) {
      expect(cell.ring).toHaveLength(5);
      const [lon, lat] = centres.get(cell.cellId)!;
      expect(Math.abs(cell.ring.slice(0, 4).reduce((sum, p) => sum + p[0], 0) / 4 - lon)).toBeLessThan(1e-5);
      expect(Math.abs(cell.ring.slice(0, 4).reduce((sum, p) => sum + p[1], 0) / 4 - lat)).toBeLessThan(1e-5);
    }
  });

  it('refuses a damaged sidecar with one line naming it', async () => {
    const dataDir = tempDir();
    const dir = firstVersionRun(dataDir, 'old');
    const sidecar = firstVersionDocument();
    (sidecar.grid as { per_input: unknown[] }).per_input = [];
    writeFileSync(join(dir, 'features.csv.json'), JSON.stringify(sidecar));
    await expect(service(dataDir).handlers.results({ runId: 'old' }, new AbortController().signal)).rejects.toThrow(
      /^features\.csv\.json: not a provenance document .* \(grid\.per_input: expected one entry per input, in the same order\)$/,
    );
  });
});
