/**
 * `rcf plan`: the inputs (files, folders, local STAC ItemCollections) become one work item per raster, each planned
 * as the single run would plan it (jobs/plan.ts: the same grid, the same limits), and the filter bank is made once.
 */
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError, fileLabel, throwIfCancelled } from '../../../shared/errors/index.js';
import { formatCellSize } from '../../../shared/grid/cells.js';
import type { RunSettings } from '../../../shared/run/index.js';
import { openRaster, type Raster } from '../raster/index.js';
import { hashFile } from '../hash.js';
import { appVersion } from '../app-version.js';
import { saveWeights, type WeightsFile } from '../rcf/weights.js';
import { filterBank, planRun, type RunPlan } from '../jobs/plan.js';
import { sourceNames } from '../jobs/featurize-job.js';
import { JobError } from '../jobs/errors.js';
import { filterProvenance } from '../jobs/provenance.js';
import { LIMITS, LimitError } from '../limits.js';
import { writeFileAtomic } from '../write-file.js';
import {
  MANIFEST_VERSION,
  itemKey,
  manifestText,
  outDirField,
  sha256Text,
  type ManifestBank,
  type ManifestHeader,
  type ManifestItem,
} from './manifest.js';

export interface PlanSpec {
  /** Files, folders (their GeoTIFFs, recursively, in name order) and STAC ItemCollection or Item JSON files. */
  sources: string[];
  /** The asset of each STAC item to use; by default its only GeoTIFF asset. */
  stacAsset?: string;
  /** The run's settings; `inputs` is ignored (the sources give them). */
  settings: Omit<RunSettings, 'inputs'>;
  outDir: string;
  manifest: string;
  overwrite: boolean;
}

export interface PlanResult {
  items: ManifestItem[];
  /** Rasters left out because the area misses all their cells. */
  skipped: string[];
  cells: number;
  bank: ManifestBank;
}

const RASTER = /\.tiff?$/i;

/** The rasters the sources name, in order: files as given, a folder's GeoTIFFs in name order, a STAC collection's items in order. */
export async function discoverInputs(sources: string[], stacAsset?: string): Promise<string[]> {
  const found: string[] = [];
  for (const source of sources) {
    let s;
    try {
      s = await stat(source);
    } catch {
      throw new UserError(`${fileLabel(source)}: no such file or folder`, { path: source });
    }
    if (s.isDirectory()) {
      const inFolder = await rastersIn(source);
      if (inFolder.length === 0) throw new UserError(`${source}: the folder holds no GeoTIFF (.tif, .tiff)`, { path: source });
      found.push(...inFolder);
    } else if (/\.(geo)?json$/i.test(source)) found.push(...(await stacRasters(source, stacAsset)));
    else found.push(resolve(source));
  }
  const seen = new Set<string>();
  for (const path of found) {
    if (seen.has(path)) throw new UserError(`${path} is named twice among the inputs`, { path });
    seen.add(path);
  }
  return found;
}

async function rastersIn(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && RASTER.test(e.name))
    .map((e) => resolve(join(e.parentPath, e.name)))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

interface StacAsset {
  href?: unknown;
  type?: unknown;
  roles?: unknown;
}

/** The local files a STAC ItemCollection (or a single Item) names, one asset per item. */
async function stacRasters(path: string, assetKey?: string): Promise<string[]> {
  const label = fileLabel(path);
  const bad = (problem: string) => new UserError(`${label}: ${problem}`, { path });
  if ((await stat(path)).size > LIMITS.areaFileBytes)
    throw new LimitError({ path }, 'a STAC file this large', `${LIMITS.areaFileBytes} bytes`);
  let doc: { type?: unknown; features?: unknown; id?: unknown; assets?: unknown };
  try {
    doc = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw bad('not JSON');
  }
  const items = doc?.type === 'FeatureCollection' ? doc.features : doc?.type === 'Feature' ? [doc] : null;
  if (!Array.isArray(items)) throw bad('not a STAC ItemCollection or Item (no "features")');
  if (items.length === 0) throw bad('the ItemCollection has no items');
  return items.map((item: { id?: unknown; assets?: Record<string, StacAsset> }, i) => {
    const name = typeof item?.id === 'string' ? `item ${item.id}` : `item ${i}`;
    const assets = item?.assets && typeof item.assets === 'object' ? item.assets : {};
    let key = assetKey;
    if (key === undefined) {
      const tiffs = Object.keys(assets).filter(
        (k) => /image\/tiff/i.test(String(assets[k]?.type ?? '')) || RASTER.test(String(assets[k]?.href)),
      );
      if (tiffs.length !== 1) {
        const why = tiffs.length === 0 ? 'has no GeoTIFF asset' : `has ${tiffs.length} GeoTIFF assets (${tiffs.join(', ')})`;
        throw bad(`${name} ${why}; choose one with --stac-asset KEY`);
      }
      key = tiffs[0];
    }
    const href = assets[key]?.href;
    if (typeof href !== 'string') throw bad(`${name} has no asset '${key}' with an href`);
    if (href.startsWith('file://')) return fileURLToPath(href);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(href))
      throw bad(`${name}: the asset ${href} is remote; rcf plan takes local files (download them first)`);
    return isAbsolute(href) ? href : resolve(dirname(path), href);
  });
}

/** A short, file-name-safe id: the source's letters and the input's sha256. */
function itemId(source: string, sha256: string): string {
  const base = source.replace(/^.*[\\/]/, '').replace(/\.tiff?$/i, '');
  const slug = base.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 48) || 'raster';
  return `${slug}-${sha256Text(`${source}\n${sha256}`).slice(0, 10)}`;
}

/** Plans every raster, makes the bank, writes it and the manifest. */
export async function planManifest(spec: PlanSpec, signal?: AbortSignal): Promise<PlanResult> {
  const inputs = await discoverInputs(spec.sources, spec.stacAsset);
  const settings: RunSettings = { ...spec.settings, inputs };
  const names = sourceNames(inputs);
  await mkdir(spec.outDir, { recursive: true });
  if (!spec.overwrite) {
    try {
      await stat(spec.manifest);
      throw new UserError(`${spec.manifest} already exists; use --overwrite to plan again`, { path: spec.manifest });
    } catch (e) {
      if (e instanceof UserError) throw e;
    }
  }

  const items: Omit<ManifestItem, 'key'>[] = [];
  const skipped: string[] = [];
  let bank: WeightsFile | null = null;
  let bands = settings.bands; // every raster must take the first one's bands, as in a single run
  let cells = 0;
  for (let i = 0; i < inputs.length; i++) {
    throwIfCancelled(signal);
    let plan: RunPlan;
    try {
      plan = await planRun({ ...settings, inputs: [inputs[i]], bands }, signal);
    } catch (e) {
      if (settings.area && e instanceof JobError && /does not overlap any cell/.test(e.message)) {
        skipped.push(inputs[i]);
        continue;
      }
      throw e;
    }
    try {
      bands ??= plan.bandIndexes.map((b) => b + 1);
      bank ??= plan.bank;
      const { info } = plan.rasters[0];
      const grid = plan.grids[0];
      const { sha256, size } = await hashFile(inputs[i]);
      const id = itemId(names[i], sha256);
      cells += grid.cells.length;
      items.push({
        item: items.length,
        id,
        source: names[i],
        input: { path: inputs[i], sha256, size },
        grid: {
          width: info.width,
          height: info.height,
          transform: [...info.transform],
          crs: info.crs,
          cell_pixels: formatCellSize(grid.resolved.cellSize),
          edge: settings.edge,
          rows: grid.shape.rows,
          cols: grid.shape.cols,
          cells: grid.cells.length,
        },
        part: `part-${id}.csv`,
      });
    } finally {
      await plan.close();
    }
  }
  if (items.length === 0) throw new JobError('the area does not overlap any cell of the inputs; nothing to plan');
  if (bank === null) bank = await empiricalBank(settings, inputs, bands);

  const bankFile = `bank-${bank.sha256.slice(0, 16)}.npy`;
  await saveWeights(join(spec.outDir, bankFile), bank);
  const manifestBank: ManifestBank = {
    file: bankFile,
    sha256: bank.sha256,
    shape: [bank.filters, bank.channels, bank.kernel, bank.kernel],
    origin: filterProvenance(bank) as Record<string, unknown>,
  };
  const header: ManifestHeader = {
    rcf_manifest: MANIFEST_VERSION,
    app: { name: 'rcf-desktop', version: appVersion() },
    created: new Date().toISOString(),
    out_dir: outDirField(spec.manifest, spec.outDir),
    part_format: 'csv',
    settings: { ...settings, bands },
    bank: manifestBank,
    items: items.length,
  };
  const keyed = items.map((item) => ({ ...item, key: itemKey(header, item) }));
  await writeFileAtomic(spec.manifest, manifestText(header, keyed));
  return { items: keyed, skipped, cells, bank: manifestBank };
}

/** Empirical filters, sampled as a single run samples them: from the training rasters, or from all the inputs. */
async function empiricalBank(settings: RunSettings, inputs: string[], bands: number[] | null | undefined): Promise<WeightsFile> {
  const rasters: Raster[] = [];
  try {
    if (settings.train.length === 0) for (const path of inputs) rasters.push(await openRaster(path));
    const bandIndexes = (bands ?? []).map((b) => b - 1);
    const scaling = { scale: settings.scale, offset: settings.offset, useRasterScale: settings.rasterScale };
    // filterBank opens the training rasters itself; it reads only these fields of a plan.
    const plan = { bank: null, rasters, bandIndexes, scaling } as unknown as RunPlan;
    return await filterBank(plan, settings);
  } finally {
    await Promise.all(rasters.map((r) => r.close().catch(() => {})));
  }
}
