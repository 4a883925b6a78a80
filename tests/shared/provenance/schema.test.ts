// The provenance schema: the first version's files open (upgraded), current ones pass as they are, anything else is
// refused with one line naming the file.
import { describe, it, expect } from 'vitest';
import { UserError } from '../../../shared/errors/index.js';
import { PROVENANCE_VERSION, Provenance, parseProvenance, parseProvenanceText } from '../../../shared/provenance/index.js';
import { RunRecord } from '../../../shared/ipc/contract.js';
import { FIRST_VERSION_FILES, currentProvenance, firstVersionDocument, firstVersionText } from '../../helpers/provenance.js';

const WHERE = '/data/runs/x/features.csv.json';

/** The refusal parseProvenance gives for `json`. */
function refusal(json: unknown): UserError {
  try {
    parseProvenance(json, WHERE);
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('parseProvenance', () => {
  it.each(FIRST_VERSION_FILES)('opens %s, written by the first version, adding only the version (first)', (name) => {
    const parsed = parseProvenanceText(firstVersionText(name), name);
    expect(Object.keys(parsed)[0]).toBe('version');
    expect(JSON.stringify(parsed, null, 1) + '\n').toBe(firstVersionText(name).replace('{\n', `{\n "version": ${PROVENANCE_VERSION},\n`));
  });

  it('passes a current document through as it is, keys in their order', () => {
    const current = currentProvenance('empirical.gpkg.json');
    // A CRS with its keys in another order than the schema lists them (as an ESRI WKT raster gets).
    const { epsg, proj4, name, wkt } = current.inputs[0].crs!;
    current.inputs[0].crs = { epsg, proj4, wkt, name };
    const text = JSON.stringify(current);
    expect(parseProvenance(current, WHERE)).toBe(current);
    expect(JSON.stringify(RunRecord.shape.provenance.parse(current))).toBe(text);
  });

  it('refuses a malformed document with one line naming the file, as bad input about that file', () => {
    const doc = firstVersionDocument();
    (doc.inputs as { width: unknown }[])[0].width = '627';
    const e = refusal(doc);
    expect(e.message).toBe(
      'features.csv.json: not a provenance document RCF Desktop can read ' +
        '(inputs[0].width: Invalid input: expected number, received string)',
    );
    expect(e.kind).toBe('bad-input');
    expect(e.path).toBe(WHERE);
  });

  it('says why for each kind of document it cannot read', () => {
    const doc = firstVersionDocument();
    expect(refusal([doc]).message).toMatch(/\(not a JSON object\)$/);
    expect(refusal({ ...doc, version: 3 }).message).toMatch(/\(version 3, written by a newer RCF Desktop\)$/);
    expect(refusal({ ...doc, version: 1 }).message).toMatch(/\(version: Invalid input: expected 2\)$/);
    expect(refusal({ ...doc, colour: 'red' }).message).toMatch(/\(Unrecognized key: "colour"\)$/);
    const { grid, ...noGrid } = doc;
    expect(refusal(noGrid).message).toMatch(/\(grid: Invalid input: expected object, received undefined\)$/);
    expect(refusal({ ...doc, grid: { ...(grid as object), per_input: [] } }).message).toMatch(
      /\(grid\.per_input: expected one entry per input, in the same order\)$/,
    );
    expect(refusal({ ...doc, rcf: { mode: 'random' }, cells: null }).message).toMatch(/\(rcf\.mode: .*; 1 more problem\)$/);
    expect(() => parseProvenanceText('{"app": ', WHERE)).toThrow(
      /^features\.csv\.json: not a provenance document RCF Desktop can read \(not JSON: /,
    );
  });
});

describe('the contract’s RunRecord', () => {
  const record = (provenance: unknown) => ({
    id: 'r1',
    settings: {
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
    },
    state: 'finished',
    started: '2026-12-03T09:14:45.903Z',
    ended: '2026-12-03T09:14:46.500Z',
    message: null,
    cells: 16,
    provenance,
  });
  const problems = (provenance: unknown) => RunRecord.safeParse(record(provenance)).error?.issues.map((i) => i.path.join('.')) ?? [];

  it('takes a current provenance, or none', () => {
    expect(problems(currentProvenance())).toEqual([]);
    expect(problems(null)).toEqual([]);
    expect(Provenance.safeParse(currentProvenance()).success).toBe(true);
  });

  it('refuses a malformed or unversioned one (the run store upgrades those first)', () => {
    expect(problems({ ...currentProvenance(), cells: { computed: -1, resumed: 0 } })).toEqual(['provenance.cells.computed']);
    expect(problems(firstVersionDocument())).toEqual(['provenance.version']);
  });
});
