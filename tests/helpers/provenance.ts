// Provenance documents for tests: the first version's files (tests/fixtures/provenance) and current ones made from them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PROVENANCE_VERSION, type Provenance } from '../../shared/provenance/index.js';

export const PROVENANCE_FIXTURES = fileURLToPath(new URL('../fixtures/provenance/', import.meta.url));

/** The files the first version wrote (no `version`), by name in tests/fixtures/provenance. */
export const FIRST_VERSION_FILES = ['gaussian.csv.json', 'weights-aoi.csv.json', 'empirical.gpkg.json'];

/** A first-version file's text, exactly as written. */
export function firstVersionText(name = 'gaussian.csv.json'): string {
  return readFileSync(PROVENANCE_FIXTURES + name, 'utf8');
}

/** A first-version document as parsed JSON: a provenance with the run identity under `run`, and no `version`. */
export function firstVersionDocument(name = 'gaussian.csv.json'): Record<string, unknown> & { run: Record<string, unknown> } {
  return JSON.parse(firstVersionText(name));
}

/** The same run's provenance as the job returns it now: versioned, without `run` (what record.json keeps). */
export function currentProvenance(name = 'gaussian.csv.json'): Provenance {
  const document: Record<string, unknown> = firstVersionDocument(name);
  delete document.run;
  return { version: PROVENANCE_VERSION, ...document } as Provenance;
}
