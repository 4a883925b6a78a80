// The provenance `rcf featurize` writes (the first version's document with a version added, nothing else changed), and
// --resume of finished outputs: those the first version wrote are recognised, a damaged provenance is refused in one line.
import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { rcf, tempDir, ROOT } from '../helpers/cli.js';
import { firstVersionDocument, firstVersionText } from '../helpers/provenance.js';

const SAMPLE = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');
// The fixture's run (tests/fixtures/provenance/README.md).
const ARGS = ['featurize', SAMPLE, '--features', '8', '--seed', '3', '--cell-size', '128', '--scale', '0.0001'];
ARGS.push('--backend', 'cpu', '--threads', '2', '--progress', 'none');

function gpkgProvenance(file: string): string {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return String(db.prepare('SELECT metadata FROM gpkg_metadata').get()!.metadata);
  } finally {
    db.close();
  }
}

function setGpkgProvenance(file: string, text: string): void {
  const db = new DatabaseSync(file);
  try {
    db.prepare('UPDATE gpkg_metadata SET metadata = ?').run(text);
  } finally {
    db.close();
  }
}

/** The document without `version`, with what differs between two runs (times, input path, machine, app version) taken from the fixture. */
function asFixture(text: string): string {
  const fixture = firstVersionDocument();
  const document = JSON.parse(text);
  delete document.version;
  // What a later version added for --resume: the backend in the run key, and the output's checksum.
  delete document.run.backend;
  delete document.output;
  Object.assign(document, { app: fixture.app, started: fixture.started, finished: fixture.finished, backend: fixture.backend });
  document.inputs[0].path = (fixture.inputs as { path: string }[])[0].path;
  return JSON.stringify(document, null, 1) + '\n';
}

describe('the provenance rcf featurize writes', () => {
  it('is the first version’s document with version 2 first, in the sidecar and in the GeoPackage', () => {
    const dir = tempDir();
    for (const out of ['p.csv', 'p.gpkg']) expect(rcf([...ARGS, '--out', join(dir, out)]).code).toBe(0);
    for (const text of [readFileSync(join(dir, 'p.csv.json'), 'utf8'), gpkgProvenance(join(dir, 'p.gpkg'))]) {
      expect(text.startsWith('{\n "version": 2,\n "app": {')).toBe(true);
      expect(asFixture(text)).toBe(firstVersionText());
    }
  });
});

describe('rcf featurize --resume of a finished output', () => {
  it.each(['csv', 'gpkg'])('recognises a finished .%s the first version wrote, and refuses a damaged provenance', (format) => {
    const dir = tempDir();
    const out = join(dir, `p.${format}`);
    expect(rcf([...ARGS, '--out', out]).code).toBe(0);
    const read = () => (format === 'csv' ? readFileSync(`${out}.json`, 'utf8') : gpkgProvenance(out));
    const write = (text: string) => (format === 'csv' ? writeFileSync(`${out}.json`, text) : setGpkgProvenance(out, text));
    const document = JSON.parse(read());

    delete document.version;
    write(JSON.stringify(document, null, 1));
    const resumed = rcf([...ARGS, '--out', out, '--resume']);
    expect(resumed.stderr).toBe(`rcf: ${out} is already complete for these settings; nothing to do\n`);
    expect(resumed.code).toBe(0);

    document.rcf.mode = 'random';
    write(JSON.stringify(document, null, 1));
    const refused = rcf([...ARGS, '--out', out, '--resume']);
    const file = format === 'csv' ? 'p.csv.json' : 'p.gpkg';
    expect(refused.stderr).toBe(
      `rcf: ${file}: not a provenance document RCF Desktop can read ` +
        `(rcf.mode: Invalid discriminator value. Expected 'file' | 'gaussian' | 'empirical')\n`,
    );
    expect(refused.code).toBe(1);
  });
});
