// rcf plan → rcf featurize --manifest (shards) → rcf merge: the merge equals a single rcf featurize of the same
// inputs, byte for byte (CSV) and value for value (GeoPackage, read by Python's sqlite3); retried shards are
// harmless; and each fault is one line.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rcf, rcfChild, tempDir } from '../helpers/cli.js';
import { makeTiles, RUN_OPTIONS } from '../engine/scale/tiles.js';
import { duckdb, sqlString } from '../helpers/duckdb.js';

/** Every row of the `cells` layer (geometry blob included) and the filters, as Python's sqlite3 reads them. */
function gpkgRows(path: string): string {
  const script =
    'import sqlite3,sys,hashlib\n' +
    'c=sqlite3.connect(sys.argv[1])\n' +
    'rows=c.execute("select * from cells order by fid").fetchall()\n' +
    'w=c.execute("select * from rcf_weights").fetchall()\n' +
    'print(len(rows), hashlib.sha256(repr(rows).encode()).hexdigest(), hashlib.sha256(repr(w).encode()).hexdigest())\n';
  return execFileSync('python3', ['-c', script, path], { encoding: 'utf8' }).trim();
}

/** A shard's last line on stderr: its outcome (the lines before name each item as it starts). */
const last = (stderr: string) => stderr.trimEnd().split('\n').pop() + '\n';

const lines = (path: string) => readFileSync(path, 'utf8').trimEnd().split('\n');

describe('rcf plan, shards and merge', () => {
  let dir: string;
  let tiles: string[];
  let windows: { x: number; y: number; w: number; h: number }[];
  let manifest: string;
  let parts: string;

  beforeAll(() => {
    dir = tempDir('rcf-scale-');
    ({ paths: tiles, windows } = makeTiles(dir, 2, 2));
    manifest = join(dir, 'm.jsonl');
    parts = join(dir, 'parts');
    const plan = rcf(['plan', join(dir, 'tiles'), ...RUN_OPTIONS, '--out-dir', parts, '--manifest', manifest]);
    expect(plan.stderr).toMatch(/wrote .*m\.jsonl: 4 items/);
    const single = rcf(['featurize', ...tiles, ...RUN_OPTIONS, '--out', join(dir, 'single.csv')]);
    expect(single.code, single.stderr).toBe(0);
    expect(rcf(['featurize', ...tiles, ...RUN_OPTIONS, '--out', join(dir, 'single.gpkg')]).code).toBe(0);
    expect(rcf(['featurize', ...tiles, ...RUN_OPTIONS, '--out', join(dir, 'single.parquet')]).code).toBe(0);
  });

  it('writes a manifest of one item per raster, in the inputs order, with stable ids and the bank written once', () => {
    const [header, ...rest] = lines(manifest).map((l) => JSON.parse(l));
    const items = rest.slice(0, -1);
    expect(header.settings.features).toBe(16);
    expect(items.map((i: { source: string }) => i.source)).toEqual(tiles.map((t) => t.split('/').pop()));
    expect(existsSync(join(parts, header.bank.file))).toBe(true);
    // Planning the same inputs again gives the same ids and keys.
    const again = join(dir, 'again.jsonl');
    expect(rcf(['plan', ...tiles, ...RUN_OPTIONS, '--out-dir', parts, '--manifest', again]).code).toBe(0);
    const ids = (p: string) =>
      lines(p)
        .slice(1, -1)
        .map((l) => JSON.parse(l).id + JSON.parse(l).key);
    expect(ids(again)).toEqual(ids(manifest));
  });

  it('merges three shards to exactly the single run, and a retried shard is harmless', async () => {
    for (const i of ['0', '1', '2']) {
      const r = rcf(['featurize', '--manifest', manifest, '--shard-index', i, '--shard-count', '3']);
      expect(r.code, r.stderr).toBe(0);
    }
    const retry = rcf(['featurize', '--manifest', manifest, '--shard-index', '0', '--shard-count', '3']);
    expect(retry.stderr).toMatch(/shard 0 of 3: 0 item\(s\) done, 2 already done/);

    const merged = rcf(['merge', manifest, '--out', join(dir, 'merged.csv')]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stderr).toMatch(/overlap: each keeps its own grid/);
    expect(readFileSync(join(dir, 'merged.csv'))).toEqual(readFileSync(join(dir, 'single.csv')));
    const provenance = JSON.parse(readFileSync(join(dir, 'merged.csv.json'), 'utf8'));
    const single = JSON.parse(readFileSync(join(dir, 'single.csv.json'), 'utf8'));
    expect(provenance.parts).toHaveLength(4);
    expect(provenance.rcf).toEqual(single.rcf);
    expect(provenance.run).toEqual(single.run);
    expect(provenance.grid.per_input).toEqual(single.grid.per_input);

    expect(rcf(['merge', manifest, '--out', join(dir, 'merged.gpkg')]).code).toBe(0);
    expect(gpkgRows(join(dir, 'merged.gpkg'))).toBe(gpkgRows(join(dir, 'single.gpkg')));

    // GeoParquet, read by DuckDB: every row of the merge (geometry WKB included) is the single run's.
    expect(rcf(['merge', manifest, '--out', join(dir, 'merged.parquet')]).code).toBe(0);
    const rows = (name: string) =>
      duckdb(`SELECT * FROM read_parquet(${sqlString(join(dir, name))})`, { geoparquet: false }).then((r) =>
        JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? Array.from(v) : v)),
      );
    const singleRows = await rows('single.parquet');
    expect(singleRows.length).toBeGreaterThan(1000);
    expect(await rows('merged.parquet')).toBe(singleRows);
  });

  it('--dedupe keeps a cell only in the lowest-id item whose raster holds its centre', () => {
    const r = rcf(['merge', manifest, '--out', join(dir, 'dedupe.csv'), '--dedupe']);
    expect(r.code, r.stderr).toBe(0);
    // Independently: cells of 32 px on each tile's own grid; a centre (in sample pixels) inside an earlier-id tile is dropped.
    const items = lines(manifest)
      .slice(1, -1)
      .map((l) => JSON.parse(l) as { id: string; source: string });
    const expected: string[] = [];
    items.forEach((item, t) => {
      const win = windows[t];
      for (let row = 0; row < Math.floor(win.h / 32); row++) {
        for (let col = 0; col < Math.floor(win.w / 32); col++) {
          const [cx, cy] = [win.x + col * 32 + 16, win.y + row * 32 + 16];
          const inEarlier = items.some(
            (o, u) =>
              o.id < item.id &&
              cx >= windows[u].x &&
              cx < windows[u].x + windows[u].w &&
              cy >= windows[u].y &&
              cy < windows[u].y + windows[u].h,
          );
          if (!inEarlier) expected.push(`${item.source}:r${row}c${col}`);
        }
      }
    });
    const ids = lines(join(dir, 'dedupe.csv'))
      .slice(1)
      .map((l) => l.split(',')[0]);
    expect(ids).toEqual(expected);
    expect(ids.length).toBeLessThan(lines(join(dir, 'single.csv')).length - 1);
  });

  it('names the items not done, and never merges a part killed mid-run', async () => {
    const m2 = join(dir, 'm2.jsonl');
    const p2 = join(dir, 'parts2');
    expect(rcf(['plan', ...tiles, ...RUN_OPTIONS, '--out-dir', p2, '--manifest', m2]).code).toBe(0);
    // Shard 0 of 1 runs all four items; kill it once it has written some rows.
    const child = rcfChild(['featurize', '--manifest', m2, '--shard-count', '1', '--shard-index', '0', '--progress', 'json']);
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        if (/"cells_done":[1-9]/.test(chunk.toString())) child.kill('SIGKILL');
      });
      child.on('close', () => resolve());
    });
    const missing = rcf(['merge', m2, '--out', join(dir, 'm2.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^rcf: 4 of 4 items are not done: 0 \(tile_r0_c0-[0-9a-f]+\), 1 \(/);
    expect(existsSync(join(dir, 'm2.csv'))).toBe(false);
    expect(readdirSync(p2).some((f) => f.endsWith('.partial'))).toBe(true);
    // The shard run again continues the partial; the merge is then the single run's.
    expect(rcf(['featurize', '--manifest', m2, '--shard-count', '1'], { SLURM_ARRAY_TASK_ID: '0' }).code).toBe(0);
    expect(rcf(['merge', m2, '--out', join(dir, 'm2.csv')]).code).toBe(0);
    expect(readFileSync(join(dir, 'm2.csv'))).toEqual(readFileSync(join(dir, 'single.csv')));
  });

  it('takes the shard index from SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX and AWS_BATCH_JOB_ARRAY_INDEX', () => {
    for (const variable of ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX']) {
      const env = { SLURM_ARRAY_TASK_ID: '', JOB_COMPLETION_INDEX: '', AWS_BATCH_JOB_ARRAY_INDEX: '', [variable]: '1' };
      const r = rcf(['featurize', '--manifest', manifest, '--shard-count', '3', '--progress', 'none'], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`shard 1 of 3 (from ${variable}): 0 item(s) done, 1 already done`);
    }
    const none = rcf(['featurize', '--manifest', manifest, '--shard-count', '3'], {
      SLURM_ARRAY_TASK_ID: '',
      JOB_COMPLETION_INDEX: '',
      AWS_BATCH_JOB_ARRAY_INDEX: '',
    });
    expect(none.stderr).toBe(
      'rcf: no shard index: give --shard-index I or set one of SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX\n',
    );
  });

  it('plans from a local STAC ItemCollection as from the files', () => {
    const stac = {
      type: 'FeatureCollection',
      features: tiles.map((t, i) => ({
        type: 'Feature',
        id: `scene-${i}`,
        assets: {
          visual: { href: `tiles/${t.split('/').pop()}`, type: 'image/tiff; application=geotiff' },
          meta: { href: 'x.xml', type: 'application/xml' },
        },
      })),
    };
    writeFileSync(join(dir, 'items.json'), JSON.stringify(stac));
    const m = join(dir, 'stac.jsonl');
    const r = rcf(['plan', join(dir, 'items.json'), ...RUN_OPTIONS, '--out-dir', parts, '--manifest', m]);
    expect(r.code, r.stderr).toBe(0);
    const ids = (p: string) =>
      lines(p)
        .slice(1, -1)
        .map((l) => JSON.parse(l).key);
    expect(ids(m)).toEqual(ids(manifest));
    stac.features[0].assets.visual.href = 'https://example.com/a.tif';
    writeFileSync(join(dir, 'remote.json'), JSON.stringify(stac));
    const remote = rcf(['plan', join(dir, 'remote.json'), ...RUN_OPTIONS, '--out-dir', parts, '--manifest', join(dir, 'r.jsonl')]);
    expect(remote.stderr).toMatch(
      /^rcf: remote\.json: item scene-0: the asset https:\/\/example\.com\/a\.tif is remote; rcf plan takes local files/,
    );
  });

  describe('faults, one line each', () => {
    it('a manifest edited by hand', () => {
      const edited = join(dir, 'edited.jsonl');
      writeFileSync(edited, readFileSync(manifest, 'utf8').replace('"features":16', '"features":32'));
      const r = rcf(['featurize', '--manifest', edited, '--shard-index', '0', '--shard-count', '2']);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        'rcf: edited.jsonl: was changed after rcf plan wrote it (its checksum does not match); run rcf plan again instead of editing it\n',
      );
    });

    it('a shard index out of range', () => {
      const r = rcf(['featurize', '--manifest', manifest, '--shard-index', '3', '--shard-count', '3']);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('rcf: shard index 3 (from --shard-index) is out of range: with 3 shards it is 0 to 2\n');
    });

    it('an input changed since the plan', () => {
      const d = tempDir('rcf-scale-changed-');
      const { paths } = makeTiles(d, 2, 1);
      const m = join(d, 'm.jsonl');
      expect(rcf(['plan', ...paths, ...RUN_OPTIONS, '--out-dir', join(d, 'parts'), '--manifest', m]).code).toBe(0);
      appendFileSync(paths[1], Buffer.from([0]));
      const r = rcf(['featurize', '--manifest', m, '--shard-index', '1', '--shard-count', '2']);
      expect(r.code).toBe(1);
      expect(last(r.stderr)).toBe("rcf: tile_r0_c1.tif: changed since rcf plan (its sha256 is not the manifest's); run rcf plan again\n");
      rmSync(d, { recursive: true, force: true });
    });

    it('two shards writing one item at once', () => {
      const d = tempDir('rcf-scale-lock-');
      const { paths } = makeTiles(d, 2, 1);
      const m = join(d, 'm.jsonl');
      expect(rcf(['plan', ...paths, ...RUN_OPTIONS, '--out-dir', join(d, 'parts'), '--manifest', m]).code).toBe(0);
      const item = JSON.parse(lines(m)[1]);
      // Another shard (this test process, which is running) holds the item's lock.
      writeFileSync(join(d, 'parts', `${item.part}.lock`), `${process.pid}\n`);
      const r = rcf(['featurize', '--manifest', m, '--shard-index', '0', '--shard-count', '2']);
      expect(r.code).toBe(1);
      expect(last(r.stderr)).toMatch(
        new RegExp(`^rcf: .*${item.part} is being written by process ${process.pid} .*; wait for that run to end\\n$`),
      );
      expect(existsSync(join(d, 'parts', `${item.part}.done`))).toBe(false);
      rmSync(d, { recursive: true, force: true });
    });

    it('a full disk during a part (a 16 KiB tmpfs as the parts folder; needs root and mount rights)', (ctx) => {
      const mountDir = tempDir('rcf-scale-full-');
      if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', mountDir]).status !== 0) {
        rmSync(mountDir, { recursive: true, force: true });
        ctx.skip();
      }
      try {
        const m = join(dir, 'full.jsonl');
        const options = [...RUN_OPTIONS.slice(2), '--features', '64'];
        expect(rcf(['plan', tiles[0], ...options, '--out-dir', mountDir, '--manifest', m]).code).toBe(0);
        const r = rcf(['featurize', '--manifest', m, '--shard-index', '0', '--shard-count', '1']);
        expect(r.code).toBe(1);
        expect(last(r.stderr)).toMatch(
          /^rcf: part-tile_r0_c0-[0-9a-f]+\.csv: no space left on the device while writing it; it stays unfinished/,
        );
        expect(readdirSync(mountDir).filter((f) => f.endsWith('.done'))).toEqual([]);
        expect(last(rcf(['merge', m, '--out', join(dir, 'full.csv')]).stderr)).toMatch(/^rcf: 1 of 1 items are not done/);
      } finally {
        spawnSync('umount', [mountDir]);
        rmSync(mountDir, { recursive: true, force: true });
      }
    });

    it('a part written by another version, and a part that is not what its marker says', () => {
      const item = JSON.parse(lines(manifest)[2]);
      const done = join(parts, `${item.part}.done`);
      const marker = readFileSync(done, 'utf8');
      writeFileSync(done, JSON.stringify({ ...JSON.parse(marker), app: '0.0.1' }));
      for (const args of [
        ['featurize', '--manifest', manifest, '--shard-index', '1', '--shard-count', '3'],
        ['merge', manifest, '--out', join(dir, 'v.csv')],
      ]) {
        const r = rcf(args);
        expect(r.code).toBe(1);
        expect(last(r.stderr)).toMatch(
          new RegExp(`^rcf: ${item.part} was written by rcf 0\\.0\\.1, and this is rcf [0-9.]+; remove ${item.part}\\* to make it again`),
        );
      }
      writeFileSync(done, marker);
      const part = join(parts, item.part);
      const saved = join(dir, 'saved.csv');
      copyFileSync(part, saved);
      writeFileSync(part, readFileSync(part, 'utf8').replace(/,0\.0[0-9]+/, ',0.5'));
      const r = rcf(['merge', manifest, '--out', join(dir, 'bad.csv')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^rcf: ${item.part} is not the part its done marker describes`));
      expect(existsSync(join(dir, 'bad.csv'))).toBe(false);
      copyFileSync(saved, part);
    });
  });
});
