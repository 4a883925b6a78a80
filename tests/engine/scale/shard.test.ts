// The shard index (flag or batch engines' variables) and the manifest's own checks, without running a shard.
import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest, shardIndex, shardItems, type Manifest } from '../../../electron/engine/scale/index.js';
import { tempDir } from '../../helpers/cli.js';

describe('shardIndex', () => {
  it('takes the flag first, then SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX in that order', () => {
    expect(shardIndex('2', 4, { SLURM_ARRAY_TASK_ID: '1' })).toEqual({ index: 2, from: '--shard-index' });
    expect(shardIndex(undefined, 4, { SLURM_ARRAY_TASK_ID: '1', JOB_COMPLETION_INDEX: '3' })).toEqual({
      index: 1,
      from: 'SLURM_ARRAY_TASK_ID',
    });
    expect(shardIndex(undefined, 4, { SLURM_ARRAY_TASK_ID: '', JOB_COMPLETION_INDEX: '3' })).toEqual({
      index: 3,
      from: 'JOB_COMPLETION_INDEX',
    });
    expect(shardIndex(undefined, 4, { AWS_BATCH_JOB_ARRAY_INDEX: '0' })).toEqual({ index: 0, from: 'AWS_BATCH_JOB_ARRAY_INDEX' });
  });

  it('refuses an index that is not a whole number or not below the count', () => {
    expect(() => shardIndex(undefined, 4, { JOB_COMPLETION_INDEX: '4' })).toThrow(
      'shard index 4 (from JOB_COMPLETION_INDEX) is out of range: with 4 shards it is 0 to 3',
    );
    expect(() => shardIndex('-1', 4, {})).toThrow("--shard-index must be a whole number, got '-1'");
    expect(() => shardIndex(undefined, 4, {})).toThrow(/^no shard index: give --shard-index I or set one of SLURM_ARRAY_TASK_ID/);
  });

  it('gives item i to shard i mod N', () => {
    const manifest = { items: Array.from({ length: 7 }, (_, item) => ({ item })) } as unknown as Manifest;
    expect(shardItems(manifest, 1, 3).map((i) => i.item)).toEqual([1, 4]);
    expect(shardItems(manifest, 0, 10).map((i) => i.item)).toEqual([0]);
    expect(shardItems(manifest, 9, 10)).toEqual([]);
  });
});

describe('readManifest', () => {
  const dir = tempDir('rcf-manifest-');
  const refusal = async (text: string) => {
    const path = join(dir, 'm.jsonl');
    writeFileSync(path, text);
    return readManifest(path).then(
      () => 'read',
      (e: Error) => e.message,
    );
  };

  it('refuses what is not a whole manifest, in one line naming the file', async () => {
    expect(await refusal('')).toBe('m.jsonl: not a manifest (rcf plan writes them)');
    expect(await refusal('{"rcf_manifest":1}\n{"item":0}\n')).toBe('m.jsonl: is cut short (no closing line); run rcf plan again');
    expect(await refusal('{"rcf_manifest":2}\n')).toBe('m.jsonl: a manifest of format 2; this rcf reads 1');
    expect(await refusal('{"rcf_manifest":1}\nnot json\n')).toBe('m.jsonl: line 2 is not JSON; not a manifest rcf plan wrote');
    expect(await refusal('{"rcf_manifest":1,"items":0}\n{"end":"rcf manifest","items":0,"sha256":"0"}\n')).toMatch(
      /^m\.jsonl: was changed after rcf plan wrote it/,
    );
  });
});
