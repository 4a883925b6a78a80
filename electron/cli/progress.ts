/** Progress on stderr: a bar on a terminal, JSON lines for programs, or nothing. */
import type { Progress } from '../engine/rcf/featurize.js';

export type ProgressStyle = 'bar' | 'json' | 'none';

export interface ProgressReporter {
  update: (p: Progress) => void;
  notice: (message: string) => void;
  done: () => void;
}

export function progressReporter(style: ProgressStyle): ProgressReporter {
  let barShown = false;
  let lastDraw = 0;
  const clearBar = () => {
    if (barShown) process.stderr.write('\r\x1b[2K');
    barShown = false;
  };
  return {
    update(p) {
      if (style === 'json') {
        process.stderr.write(
          JSON.stringify({
            event: 'progress',
            cells_done: p.cellsDone,
            cells_total: p.cellsTotal,
            cells_resumed: p.cellsSkipped,
            cells_per_second: round(p.cellsPerSecond, 3),
            elapsed_s: round(p.elapsedSeconds, 3),
            eta_s: p.etaSeconds === null ? null : round(p.etaSeconds, 1),
          }) + '\n',
        );
      } else if (style === 'bar') {
        const now = Date.now();
        if (now - lastDraw < 100 && p.cellsDone < p.cellsTotal) return;
        lastDraw = now;
        const width = 30;
        const share = p.cellsTotal === 0 ? 1 : p.cellsDone / p.cellsTotal;
        const filled = Math.round(share * width);
        const eta = p.etaSeconds === null ? '' : ` ETA ${formatDuration(p.etaSeconds)}`;
        process.stderr.write(
          `\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` +
            `${p.cellsDone}/${p.cellsTotal} cells ${p.cellsPerSecond.toFixed(1)}/s${eta}`,
        );
        barShown = true;
      }
    },
    notice(message) {
      clearBar();
      if (style === 'json') process.stderr.write(JSON.stringify({ event: 'notice', message }) + '\n');
      else process.stderr.write(`rcf: ${message}\n`);
    },
    done() {
      if (barShown) process.stderr.write('\n');
      barShown = false;
    },
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
