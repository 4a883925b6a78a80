// The progress bar never wraps: each line fits the terminal it is drawn on, down to 40 columns and below.
import { describe, it, expect } from 'vitest';
import { barLine, progressReporter } from '../../electron/cli/progress.js';

const progress = (done: number, total: number, eta: number | null) => ({
  cellsDone: done,
  cellsTotal: total,
  cellsSkipped: 0,
  cellsPerSecond: 1234.5,
  elapsedSeconds: 12,
  etaSeconds: eta,
});

describe('the progress bar', () => {
  it('is the 30-character bar with counts, rate and ETA on an 80-column terminal', () => {
    expect(barLine(progress(500, 1000, 3725), 80)).toBe(`[${'#'.repeat(15)}${'.'.repeat(15)}] 500/1000 cells 1234.5/s ETA 1h02m`);
  });

  it('fits in columns - 1 characters however narrow the terminal, keeping the counts longest', () => {
    for (const columns of [120, 80, 60, 40, 30, 20, 10]) {
      const line = barLine(progress(16777215, 16777216, 359999), columns);
      expect(line.length).toBeLessThanOrEqual(columns - 1);
      if (columns >= 40) expect(line).toMatch(/^\[[#.]{10,30}\] 16777215\/16777216 cells/);
    }
    expect(barLine(progress(5, 10, 1), 40)).toBe(`[${'#'.repeat(5)}${'.'.repeat(5)}] 5/10 cells 1234.5/s ETA 1s`);
  });

  it('is drawn on one line of a 40-column terminal, and ended with a newline', () => {
    let written = '';
    const reporter = progressReporter('bar', { write: (text) => (written += text), columns: () => 40 });
    reporter.update(progress(1, 3, 100));
    reporter.update(progress(3, 3, 0));
    reporter.done();
    const drawn = written.split('\r\x1b[2K').filter((s) => s !== '');
    expect(drawn.length).toBe(2);
    for (const line of drawn) expect(line.replace(/\n$/, '').length).toBeLessThanOrEqual(39);
    expect(written.endsWith('\n')).toBe(true);
  });
});
