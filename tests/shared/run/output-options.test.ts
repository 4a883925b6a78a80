/** Output options named once: the CLI's flags in its messages, their labels elsewhere. */
import { describe, expect, it } from 'vitest';
import { flagOf, nameOutputOptions, OUTPUT_FLAGS } from '../../../shared/run/index.js';
import { OutputError, wayOut } from '../../../electron/engine/export/output.js';

describe('output options', () => {
  it('parse as the CLI takes them', () => {
    expect(OUTPUT_FLAGS).toEqual({
      out: { type: 'string' },
      aoi: { type: 'string' },
      'aoi-layer': { type: 'string' },
      resume: { type: 'boolean' },
      overwrite: { type: 'boolean' },
      progress: { type: 'string' },
    });
    expect(flagOf('aoiLayer')).toBe('--aoi-layer');
    expect(flagOf('features')).toBe('--features');
  });

  it('a refusal names them by flag for the CLI and by label for everyone else; unknown braces stay', () => {
    const e = new OutputError(`out.csv already exists; ${wayOut('replace-or-resume')}`, { path: 'out.csv' });
    expect(e.describe(flagOf as (setting: string) => string)).toBe(
      'out.csv already exists; use --overwrite to replace it or --resume to continue it',
    );
    expect(e.message).toBe('out.csv already exists; use Overwrite to replace it or Resume to continue it');
    expect(nameOutputOptions('{x} and {overwrite}')).toBe('{x} and Overwrite');
  });
});
