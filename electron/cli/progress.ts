/** Progress on stderr: a bar on a terminal, JSON lines for programs, or nothing. */
import type { Progress } from '../engine/rcf/featurize.js';

export type ProgressStyle = 'bar' | 'json' | 'none';

export interface ProgressReporter {
  update: (p: Progress) => void;
  notice: (message: string) => void;
  done: () => void;
}

/** Where progress goes: stderr by default; `columns` is the terminal's width (80 when unknown). */
export interface ProgressSink {
  write: (text: string) => void;
  columns: () => number | undefined;
}

const STDERR: ProgressSink = { write: (text) => process.stderr.write(text), columns: () => process.stderr.columns };

export function progressReporter(style: ProgressStyle, sink: ProgressSink = STDERR): ProgressReporter {
  let barShown = false;
  let lastDraw = 0;
  const clearBar = () => {
    if (barShown) sink.write('\r\x1b[2K');
    barShown = false;
  };
  return {
    update(p) {
      if (style === 'json') {
        sink.write(
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
        sink.write(`\r\x1b[2K${barLine(p, sink.columns() ?? 80)}`);
        barShown = true;
      }
    },
    notice(message) {
      clearBar();
      if (style === 'json') sink.write(JSON.stringify({ event: 'notice', message }) + '\n');
      else sink.write(`rcf: ${message}\n`);
    },
    done() {
      if (barShown) sink.write('\n');
      barShown = false;
    },
  };
}

/**
 * The bar's line, within `columns - 1` characters so it never wraps (a line that fills the last column wraps on
 * some terminals): the bar shrinks to 10 characters, then the rate, the ETA and the bar are left out, in that order.
 */
export function barLine(p: Progress, columns: number): string {
  const room = Math.max(columns - 1, 1);
  const share = p.cellsTotal === 0 ? 1 : p.cellsDone / p.cellsTotal;
  const counts = `${p.cellsDone}/${p.cellsTotal} cells`;
  const rate = ` ${p.cellsPerSecond.toFixed(1)}/s`;
  const eta = p.etaSeconds === null ? '' : ` ETA ${formatDuration(p.etaSeconds)}`;
  const bar = (width: number) => {
    const filled = Math.round(share * width);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] `;
  };
  for (const tail of [`${counts}${rate}${eta}`, `${counts}${eta}`, counts]) {
    const width = Math.min(30, room - tail.length - 3);
    if (width >= 10) return bar(width) + tail;
  }
  return counts.slice(0, room);
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
