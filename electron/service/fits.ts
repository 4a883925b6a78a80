/**
 * The fit store: every fit the app starts gets a folder under
 * `<dataDir>/fits/<id>/` holding `record.json` (the FitRecord, rewritten
 * atomically), `model.json` (the model file, as `rcf fit` writes it) and the
 * predictions on the run's cells as they are asked for (`prediction.csv`, …).
 * The fit history is these records, newest first.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../shared/errors/index.js';
import { FitRecord } from '../../shared/ipc/contract.js';
import { fitFiles } from './model-tasks.js';

export class FitStore {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'fits');
  }

  dir(id: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new UserError(`invalid fit id '${id}'`);
    return join(this.root, id);
  }

  modelPath(id: string): string {
    return fitFiles.model(this.dir(id));
  }

  async makeDir(id: string): Promise<void> {
    await mkdir(this.dir(id), { recursive: true });
  }

  async save(record: FitRecord): Promise<void> {
    const file = join(this.dir(record.id), 'record.json');
    await writeFile(`${file}.tmp`, JSON.stringify(FitRecord.parse(record), null, 1) + '\n');
    await rename(`${file}.tmp`, file);
  }

  async load(id: string): Promise<FitRecord> {
    let text: string;
    try {
      text = await readFile(join(this.dir(id), 'record.json'), 'utf8');
    } catch {
      throw new UserError(`fit ${id} does not exist`);
    }
    return FitRecord.parse(JSON.parse(text));
  }

  /** All readable fits, newest first; a folder whose record is damaged is left out. */
  async list(): Promise<FitRecord[]> {
    let ids: string[];
    try {
      ids = await readdir(this.root);
    } catch {
      return [];
    }
    const records = await Promise.all(ids.map((id) => this.load(id).catch(() => null)));
    const started = (r: FitRecord) => Date.parse(r.started) || 0;
    return records.filter((r): r is FitRecord => r !== null).sort((a, b) => started(b) - started(a) || (a.id < b.id ? 1 : -1));
  }
}
