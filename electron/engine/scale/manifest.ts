/**
 * The manifest of a sharded run (`rcf plan`): JSON Lines, written once, read by every shard and by the merge.
 *
 *   line 1      the header: the app's version, the run settings (shared/run's RunSettings, inputs included), the
 *               folder of the parts (relative to the manifest's folder), and the filter bank, written once as
 *               `bank-<sha256[0:16]>.npy` in that folder and referenced by its sha256;
 *   lines 2..   one work item per raster, in input order (the merge's row order): its stable id, its source name
 *               (the `source` column of a single `rcf featurize` of the same inputs), its input and sha256, its
 *               grid, its part file, and its key (the sha256 of everything that determines the part);
 *   last line   the trailer: the count of items and the sha256 of every line before it, so a manifest edited by
 *               hand is refused rather than run.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { UserError, fileLabel } from '../../../shared/errors/index.js';
import { RunSettings } from '../../../shared/run/index.js';
import type { CrsInfo } from '../crs/index.js';
import { LIMITS, LimitError, formatBytes } from '../limits.js';

export const MANIFEST_VERSION = 1;

/** The filter bank every item uses: written once, beside the parts. */
export interface ManifestBank {
  /** File name in the parts' folder. */
  file: string;
  sha256: string;
  /** [filters, channels, kernel, kernel]. */
  shape: [number, number, number, number];
  /** How it was made, as a single run's provenance records it (the `rcf` keys that depend on the mode). */
  origin: Record<string, unknown>;
}

export interface ManifestHeader {
  rcf_manifest: number;
  app: { name: 'rcf-desktop'; version: string };
  created: string;
  /** The parts' folder, relative to the manifest's folder. */
  out_dir: string;
  part_format: 'csv';
  settings: RunSettings;
  bank: ManifestBank;
  items: number;
}

export interface ManifestItem {
  /** 0-based position: the shard that runs it is index mod N; the merge writes items in this order. */
  item: number;
  /** Stable: made from the source name and the input's sha256, so re-planning the same inputs gives the same ids. */
  id: string;
  /** The `source` column (base name, or the full path where base names clash), as a single run names it. */
  source: string;
  input: { path: string; sha256: string; size: number };
  grid: {
    width: number;
    height: number;
    transform: number[];
    crs: CrsInfo | null;
    cell_pixels: string;
    edge: string;
    rows: number;
    cols: number;
    /** The cells the item featurizes (fewer than rows × cols with an area). */
    cells: number;
  };
  /** File name of the part in the parts' folder. */
  part: string;
  /** sha256 of what determines the part (version, settings, bank, input, grid): its done marker must hold the same. */
  key: string;
}

export interface Manifest {
  path: string;
  /** The parts' folder, resolved. */
  dir: string;
  header: ManifestHeader;
  items: ManifestItem[];
}

interface Trailer {
  end: 'rcf manifest';
  items: number;
  sha256: string;
}

/** The manifest's text: the header, the items and the trailer, one JSON document a line. */
export function manifestText(header: ManifestHeader, items: ManifestItem[]): string {
  const body = [header, ...items].map((line) => JSON.stringify(line) + '\n').join('');
  const trailer: Trailer = { end: 'rcf manifest', items: items.length, sha256: sha256Text(body) };
  return body + JSON.stringify(trailer) + '\n';
}

/** The parts' folder as the header records it. */
export function outDirField(manifestPath: string, outDir: string): string {
  return relative(dirname(resolve(manifestPath)), resolve(outDir)) || '.';
}

export function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The key of an item: everything its part depends on, hashed. */
export function itemKey(header: Pick<ManifestHeader, 'app' | 'settings' | 'bank'>, item: Omit<ManifestItem, 'key'>): string {
  const { inputs: _inputs, ...settings } = header.settings;
  void _inputs;
  return sha256Text(
    JSON.stringify({
      version: header.app.version,
      settings,
      bank: header.bank.sha256,
      id: item.id,
      source: item.source,
      input: item.input.sha256,
      grid: item.grid,
    }),
  );
}

export class ManifestError extends UserError {
  override name = 'ManifestError';
}

/** Reads and checks a manifest: a file rcf plan wrote and nobody edited since. */
export async function readManifest(path: string): Promise<Manifest> {
  const label = fileLabel(path);
  const bad = (problem: string) => new ManifestError(`${label}: ${problem}`, { path });
  let size;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw bad('not a regular file');
    size = s.size;
  } catch (e) {
    if (e instanceof ManifestError) throw e;
    throw bad('cannot be read (no such file?)');
  }
  if (size > LIMITS.manifestBytes) throw new LimitError({ path }, `a manifest of ${formatBytes(size)}`, formatBytes(LIMITS.manifestBytes));
  const text = await readFile(path, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const parsed = lines.map((line, i) => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      throw bad(`line ${i + 1} is not JSON; not a manifest rcf plan wrote`);
    }
  });
  const header = parsed[0] as ManifestHeader | undefined;
  if (!header || typeof header !== 'object' || header.rcf_manifest === undefined) throw bad('not a manifest (rcf plan writes them)');
  if (header.rcf_manifest !== MANIFEST_VERSION)
    throw bad(`a manifest of format ${String(header.rcf_manifest)}; this rcf reads ${MANIFEST_VERSION}`);
  const trailer = parsed[parsed.length - 1] as Partial<Trailer>;
  if (parsed.length < 2 || trailer?.end !== 'rcf manifest') throw bad('is cut short (no closing line); run rcf plan again');
  const body = lines
    .slice(0, -1)
    .map((l) => l + '\n')
    .join('');
  if (trailer.sha256 !== sha256Text(body) || trailer.items !== parsed.length - 2 || header.items !== parsed.length - 2) {
    throw bad('was changed after rcf plan wrote it (its checksum does not match); run rcf plan again instead of editing it');
  }
  const settings = RunSettings.safeParse(header.settings);
  if (!settings.success) throw bad(`its settings do not check: ${settings.error.issues[0].message}`);
  const items = parsed.slice(1, -1) as ManifestItem[];
  items.forEach((item, i) => {
    if (item?.item !== i || typeof item.id !== 'string' || typeof item.part !== 'string' || typeof item.key !== 'string')
      throw bad(`line ${i + 2} is not work item ${i}`);
  });
  const dir = resolve(dirname(resolve(path)), header.out_dir);
  return { path, dir, header: { ...header, settings: settings.data }, items };
}

/** Where an item's part (and its files) lie. */
export function partPath(manifest: Manifest, item: ManifestItem): string {
  return join(manifest.dir, item.part);
}

/** The done marker beside a part: written only once the part is complete. */
export function donePath(part: string): string {
  return `${part}.done`;
}
