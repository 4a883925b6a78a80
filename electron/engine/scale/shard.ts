/**
 * One shard of a planned run (`rcf featurize --manifest M --shard-index I --shard-count N`): the items whose index
 * is I mod N, each featurized by the ordinary job (jobs/featurize-job.ts) into its part, then marked done.
 *
 * A part is `part-<id>.csv` with its provenance `part-<id>.csv.json`, written as every CSV output is (rows go to a
 * `.partial`, a lock holds the writer's pid, the final name appears only when complete; a killed shard's partial is
 * continued by the next try). Only then is `part-<id>.csv.done` written (atomically): the item's key, the app's
 * version and the part's checksum. An item already done with the same key is skipped, so a retried or duplicated
 * shard is harmless; a done marker with another key (other settings, inputs or version) is refused.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError, fileLabel, fileProblem, throwIfCancelled } from '../../../shared/errors/index.js';
import { appVersion } from '../app-version.js';
import { hashFile } from '../hash.js';
import { runFeaturizeJob, type FeaturizeJobSpec, type JobHooks } from '../jobs/featurize-job.js';
import { readCsvProvenance } from '../export/read-csv.js';
import { entryExists, readSmallText, writeFileAtomic } from '../export/output.js';
import { donePath, partPath, sha256Text, type Manifest, type ManifestItem } from './manifest.js';

/** The environment variables batch engines set to an array task's index, in the order they are looked at. */
export const INDEX_VARIABLES = ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX'] as const;

/** What a done marker holds. */
export interface DoneMarker {
  id: string;
  key: string;
  app: string;
  part: { rows: number; bytes: number; sha256: string };
  /** sha256 of the part's provenance file. */
  provenance_sha256: string;
}

export class ShardError extends UserError {
  override name = 'ShardError';
}

/**
 * The shard's index: the flag's value, or the first index variable set. Refused when neither is given, when it is not
 * a whole number, or when it is not below the shard count.
 */
export function shardIndex(flag: string | undefined, count: number, env: NodeJS.ProcessEnv = process.env): { index: number; from: string } {
  let text = flag;
  let from = '--shard-index';
  if (text === undefined) {
    const name = INDEX_VARIABLES.find((v) => env[v] !== undefined && env[v] !== '');
    if (name === undefined) throw new ShardError(`no shard index: give --shard-index I or set one of ${INDEX_VARIABLES.join(', ')}`);
    text = env[name]!;
    from = name;
  }
  if (!/^[0-9]+$/.test(text)) throw new ShardError(`${from} must be a whole number, got '${text}'`);
  const index = Number(text);
  if (index >= count)
    throw new ShardError(`shard index ${index} (from ${from}) is out of range: with ${count} shards it is 0 to ${count - 1}`);
  return { index, from };
}

/** The items shard `index` of `count` runs. */
export function shardItems(manifest: Manifest, index: number, count: number): ManifestItem[] {
  return manifest.items.filter((item) => item.item % count === index);
}

/** The done marker of an item, if it is there; null when absent. */
export async function readDone(part: string): Promise<DoneMarker | null> {
  const file = donePath(part);
  if (!(await entryExists(file))) return null;
  try {
    return JSON.parse(await readSmallText(file)) as DoneMarker;
  } catch {
    throw new ShardError(`${fileLabel(file)} is not a done marker rcf wrote; remove it and run its shard again`, { path: file });
  }
}

/** Refuses a done marker made for another item key; true when it is this item's. */
export function checkDone(marker: DoneMarker, item: ManifestItem, part: string): void {
  if (marker.key === item.key && marker.app === appVersion()) return;
  const why =
    marker.app !== appVersion()
      ? `was written by rcf ${marker.app}, and this is rcf ${appVersion()}`
      : 'was made with other settings or inputs than this manifest says';
  throw new ShardError(`${fileLabel(part)} ${why}; remove ${fileLabel(part)}* to make it again, or use the manifest it was made for`, {
    path: part,
  });
}

export interface ItemOutcome {
  item: ManifestItem;
  status: 'done' | 'skipped';
  cells: number;
}

export interface ShardHooks extends JobHooks {
  /** Called as each item starts. */
  onItem?: (item: ManifestItem, position: number, of: number) => void;
}

/** Runs the shard's items one after another. */
export async function runShard(manifest: Manifest, index: number, count: number, hooks: ShardHooks = {}): Promise<ItemOutcome[]> {
  const items = shardItems(manifest, index, count);
  const outcomes: ItemOutcome[] = [];
  for (let i = 0; i < items.length; i++) {
    throwIfCancelled(hooks.signal);
    hooks.onItem?.(items[i], i, items.length);
    outcomes.push(await runItem(manifest, items[i], hooks));
  }
  return outcomes;
}

/** One item: skipped when done with the same key; otherwise its input checked against the manifest, featurized, marked done. */
export async function runItem(manifest: Manifest, item: ManifestItem, hooks: JobHooks = {}): Promise<ItemOutcome> {
  const part = partPath(manifest, item);
  const marker = await readDone(part);
  if (marker) {
    checkDone(marker, item, part);
    return { item, status: 'skipped', cells: marker.part.rows };
  }
  const { path, sha256, size } = item.input;
  const now = await hashFile(path).catch(() => null);
  if (now === null) throw new ShardError(`${fileLabel(path)}: cannot be read (it was there when rcf plan ran)`, { path });
  if (now.sha256 !== sha256 || now.size !== size) {
    throw new ShardError(`${fileLabel(path)}: changed since rcf plan (its sha256 is not the manifest's); run rcf plan again`, { path });
  }
  const { settings, bank } = manifest.header;
  await featurizePart(
    {
      ...settings,
      inputs: [path],
      mode: 'file',
      weights: join(manifest.dir, bank.file),
      train: [],
      out: part,
      resume: true, // a killed try's partial is continued; a finished part without its marker is verified and kept
      overwrite: false,
    },
    hooks,
    part,
  );
  const provenance = await readCsvProvenance(part);
  if (provenance.app.version !== appVersion()) {
    throw new ShardError(`${fileLabel(part)} was written by rcf ${provenance.app.version}, and this is rcf ${appVersion()}; remove it`, {
      path: part,
    });
  }
  if (provenance.inputs[0].sha256 !== sha256 || provenance.rcf.weights_sha256 !== bank.sha256) {
    throw new ShardError(`${fileLabel(part)} is not this item's part (its input or filters differ); remove it`, { path: part });
  }
  const output = provenance.output!;
  const done: DoneMarker = {
    id: item.id,
    key: item.key,
    app: appVersion(),
    part: { rows: output.rows, bytes: output.bytes ?? 0, sha256: output.sha256 },
    provenance_sha256: sha256Text(await readFile(`${part}.json`, 'utf8')),
  };
  await writeFileAtomic(donePath(part), JSON.stringify(done) + '\n');
  return { item, status: 'done', cells: output.rows };
}

/** The item's featurize job; a write that fails without naming its file (a full disk) is named after the part. */
async function featurizePart(spec: FeaturizeJobSpec, hooks: JobHooks, part: string): Promise<void> {
  try {
    await runFeaturizeJob(spec, hooks);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (typeof err?.code !== 'string' || err.path !== undefined || e instanceof UserError) throw e;
    const why = err.code === 'ENOSPC' ? 'no space left on the device' : (fileProblem(err.code) ?? err.code);
    throw new ShardError(`${fileLabel(part)}: ${why} while writing it; it stays unfinished, and the shard continues it when run again`, {
      path: part,
    });
  }
}
