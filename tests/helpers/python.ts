// Runs Debian's system python3 (which has numpy, torch and GDAL's bindings) for independent truths.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const SYSTEM_PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export function runPython(code: string, args: string[] = []): string {
  return execFileSync(SYSTEM_PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

export function pythonHas(module: string): boolean {
  try {
    runPython(`import ${module}`);
    return true;
  } catch {
    return false;
  }
}
