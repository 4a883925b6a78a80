/**
 * The run store: every run the app starts gets a folder under
 * `<dataDir>/runs/<id>/` holding
 *
 * - `record.json`: the RunRecord (settings, state, provenance), rewritten atomically;
 * - `features.csv` (+ `.csv.json` provenance), always;
 * - `features.gpkg`, when all inputs share one CRS (a GeoPackage layer has one);
 * - `area.geojson`, when the area was drawn on the map.
 *
 * The history is these records, newest first. Exports copy a run's finished
 * outputs, so they never recompute anything.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { UserError } from '../../shared/errors/index.js';
import { RunRecord } from '../../shared/ipc/contract.js';
import { parseProvenance } from '../../shared/provenance/index.js';

export class RunStore {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'runs');
  }

  dir(id: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new UserError(`invalid run id '${id}'`);
    return join(this.root, id);
  }

  csvPath(id: string): string {
    return join(this.dir(id), 'features.csv');
  }

  gpkgPath(id: string): string {
    return join(this.dir(id), 'features.gpkg');
  }

  /** A new, empty run folder; ids sort by start time. */
  async create(): Promise<string> {
    const id = RunStore.newId();
    await mkdir(this.dir(id), { recursive: true });
    return id;
  }

  /** A fresh run id (its folder is made by `create` or `makeDir`). */
  static newId(): string {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    return `${stamp}-${randomBytes(3).toString('hex')}`;
  }

  async makeDir(id: string): Promise<void> {
    await mkdir(this.dir(id), { recursive: true });
  }

  async save(record: RunRecord): Promise<void> {
    const file = join(this.dir(record.id), 'record.json');
    await writeFile(`${file}.tmp`, JSON.stringify(RunRecord.parse(record), null, 1) + '\n');
    await rename(`${file}.tmp`, file);
  }

  async load(id: string): Promise<RunRecord> {
    const file = join(this.dir(id), 'record.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new UserError(`run ${id} does not exist`);
    }
    const json = JSON.parse(text);
    // Records written before provenance had a version are upgraded here; a damaged provenance is refused, naming the file.
    if (json?.provenance !== null && json?.provenance !== undefined) json.provenance = parseProvenance(json.provenance, file);
    return RunRecord.parse(json);
  }

  /** All readable runs, newest first (by `started`); a folder whose record is damaged is left out. */
  async list(): Promise<RunRecord[]> {
    let ids: string[];
    try {
      ids = await readdir(this.root);
    } catch {
      return [];
    }
    const records = await Promise.all(ids.map((id) => this.load(id).catch(() => null)));
    // By start time: ids only have whole seconds, and runs started within one second must still list in order.
    const started = (r: RunRecord) => Date.parse(r.started) || 0;
    return records
      .filter((r): r is RunRecord => r !== null)
      .sort((a, b) => started(b) - started(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }
}
