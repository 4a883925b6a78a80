// Runs the built `rcf` command line as a user would, in a child process.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serializeNpy } from '../../shared/rcf/npy.js';
import { goldenArray } from './golden.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RCF = join(ROOT, 'dist/electron/cli/rcf.js');

export function requireBuilt(): void {
  if (!existsSync(RCF)) throw new Error(`${RCF} is missing: run \`npm run build\` first (npm test does)`);
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function rcf(args: string[], env: NodeJS.ProcessEnv = {}): RunResult {
  requireBuilt();
  const r = spawnSync(process.execPath, [RCF, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 1 << 28,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts rcf and hands back the child, for signal tests. */
export function rcfChild(args: string[]) {
  requireBuilt();
  return spawn(process.execPath, [RCF, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Starts `rcf ARGS` (which must include `--progress json`) and calls `act` once, as soon as it reports at
 * least `cells` cells done; `closed` settles when it exits, with its code, signal and whole stderr.
 */
export function rcfAtCells(args: string[], cells: number, act: (child: ReturnType<typeof rcfChild>) => void) {
  const child = rcfChild(args);
  let stderr = '';
  let acted = false;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    const done = [...stderr.matchAll(/"cells_done":(\d+)/g)].map((m) => Number(m[1]));
    if (!acted && done.length > 0 && done[done.length - 1] >= cells) {
      acted = true;
      act(child);
    }
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, closed };
}

export function tempDir(prefix = 'rcf-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a golden weight array as a .npy file and returns its path. */
export function goldenWeightsNpy(name: string, dir: string): string {
  const w = goldenArray(name);
  const path = join(dir, `${name}.npy`);
  writeFileSync(path, serializeNpy({ shape: w.shape, data: w.data as Float32Array }));
  return path;
}

export interface CsvTable {
  header: string[];
  rows: string[][];
}

/** A plain CSV parser for our own output (no quoted commas in the fields tested). */
export function readCsv(path: string): CsvTable {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}
