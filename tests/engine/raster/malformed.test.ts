/**
 * The malformed-TIFF corpus (tests/corpus/make_bad.py): every file is opened
 * and read in full, window by window, in a child process with a 10 s time
 * limit and a 1 GiB memory cap, through the built module in dist/. Nothing may
 * hang, crash or blow up memory; each file gets the behaviour its manifest
 * row expects:
 *   reject*     → exit 1 with exactly one stderr line, naming the file;
 *   accept      → a clean read;
 *   lenient-ok  → a clean read or a one-line refusal;
 *   geo-reject  → a one-line refusal, or no invented georeferencing
 *                 (identity transform or no CRS).
 * All files are checked and the failures listed as one table.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './fixtures.js';

const OUT = join(REPO_ROOT, 'tests', '.generated', 'malformed');
const BAD = join(OUT, 'bad');
const MODULE = join(REPO_ROOT, 'dist', 'electron', 'engine', 'raster', 'index.js');
const READER = join(REPO_ROOT, 'tests', 'engine', 'raster', 'read-all.mjs');
const TIME_LIMIT_MS = 10_000;
const MEMORY_LIMIT_KB = 1024 * 1024;
const CONCURRENCY = 2;
const IDENTITY = [0, 1, 0, 0, 0, 1];

interface Row {
  file: string;
  category: string;
  expected: string;
}

interface Outcome {
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

function runChild(file: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=1024', READER, MODULE, file], { cwd: BAD });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, TIME_LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, stdout, stderr });
    });
  });
}

/** What is wrong with the outcome for this row, or null when it is right. */
function judge(row: Row, out: Outcome): string | null {
  if (out.timedOut) return `no answer within ${TIME_LIMIT_MS / 1000} s`;
  const lines = out.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const last = lines.at(-1);
  if (!last || typeof last.peak_rss_kb !== 'number') return `crashed (exit ${out.code}): ${out.stderr.trim().split('\n')[0] ?? ''}`;
  if (last.peak_rss_kb > MEMORY_LIMIT_KB) return `peak memory ${Math.round(last.peak_rss_kb / 1024)} MiB`;
  const errLines = out.stderr.split('\n').filter((l) => l.trim() !== '');
  const name = row.file.split('/').at(-1) as string;
  const refused = out.code !== 0;
  const cleanRefusal = refused && errLines.length === 1 && errLines[0].startsWith(`${name}: `);
  if (refused && !cleanRefusal)
    return `bad refusal (exit ${out.code}, ${errLines.length} stderr lines): ${errLines.slice(0, 2).join(' | ')}`;
  if (!refused && errLines.length > 0) return `read, but wrote to stderr: ${errLines[0]}`;

  const expected = row.expected;
  if (expected.startsWith('reject') && expected !== 'reject-or-lenient') return refused ? null : 'read without error';
  if (expected === 'accept') return refused ? `refused: ${errLines[0]}` : null;
  if (expected === 'geo-reject' && !refused) {
    const info = lines[0].info as { transform: number[]; crs: unknown };
    const identity = info.transform.every((v, i) => v === IDENTITY[i]);
    if (!identity && info.crs !== null)
      return `georeferencing invented: transform [${info.transform.join(', ')}], crs ${JSON.stringify(info.crs)}`;
  }
  return null; // lenient-ok, reject-or-lenient, geo-reject: read or cleanly refused
}

let rows: Row[] = [];

/** dist/ must hold the raster module as it is now: rebuild when a source is newer. */
function distIsStale(): boolean {
  if (!existsSync(MODULE)) return true;
  const built = statSync(MODULE).mtimeMs;
  const sources = join(REPO_ROOT, 'electron', 'engine', 'raster');
  return readdirSync(sources).some((f) => statSync(join(sources, f)).mtimeMs > built);
}

beforeAll(() => {
  if (distIsStale()) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
  execFileSync(join(REPO_ROOT, 'tests', 'corpus', 'make_bad_inputs.sh'), [OUT], { stdio: ['ignore', 'ignore', 'inherit'] });
  const [, ...lines] = readFileSync(join(BAD, 'BAD_MANIFEST.tsv'), 'utf8').trim().split('\n');
  rows = lines.map((line) => {
    const [file, category, , expected] = line.split('\t');
    return { file, category, expected };
  });
});

describe('malformed TIFF corpus', () => {
  it('every file is refused cleanly or read as its manifest expects, within time and memory limits', async () => {
    expect(rows.length).toBeGreaterThan(50);
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < rows.length) {
        const row = rows[next++];
        const problem = judge(row, await runChild(row.file));
        if (problem !== null) failures.push(`| ${row.file} | ${row.expected} | ${problem} |`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const table = ['| file | expected | problem |', '|---|---|---|', ...failures.sort()].join('\n');
    expect(failures.length, `${failures.length} of ${rows.length} files handled wrongly:\n${table}`).toBe(0);
  });
});
