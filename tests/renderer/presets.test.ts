/**
 * Scaling presets: each preset's numbers are the ones its note states (parsed
 * from the note, so the text and the numbers cannot drift apart), and
 * matchPreset finds a preset from a scale and offset as the form holds them.
 */
import { describe, expect, it } from 'vitest';
import { matchPreset, SCALE_PRESETS } from '../../renderer/src/run/presets.js';
import { defaultRunForm, formFromSettings, runSettingsFromForm } from '../../renderer/src/run/settings-model.js';

describe('scale presets', () => {
  it('ids are unique and each preset matches itself', () => {
    expect(new Set(SCALE_PRESETS.map((p) => p.id)).size).toBe(SCALE_PRESETS.length);
    for (const p of SCALE_PRESETS) expect(matchPreset(p.scale, p.offset)).toBe(p);
  });

  it('the numbers are those of the notes', () => {
    const s2 = SCALE_PRESETS.find((p) => p.id === 'sentinel2-l2a')!;
    // reflectance = (DN + BOA_ADD_OFFSET) / 10000 with BOA_ADD_OFFSET = −1000.
    const [, divisor] = /\/ (\d+)/.exec(s2.note)!;
    const [, addOffset] = /BOA_ADD_OFFSET = [−-](\d+)/.exec(s2.note)!;
    expect(s2.scale).toBe(1 / Number(divisor));
    expect(s2.offset).toBeCloseTo(-Number(addOffset) / Number(divisor), 15);
    const landsat = SCALE_PRESETS.find((p) => p.id === 'landsat-c2-l2')!;
    const [, factor, minus] = /DN × ([\d.]+) [−-] ([\d.]+)/.exec(landsat.note)!;
    expect(landsat.scale).toBe(Number(factor));
    expect(landsat.offset).toBe(-Number(minus));
    const rgb = SCALE_PRESETS.find((p) => p.id === 'rgb-8bit')!;
    expect(255 * rgb.scale).toBeCloseTo(1, 15);
    expect(SCALE_PRESETS.find((p) => p.id === 'none')).toMatchObject({ scale: 1, offset: 0 });
  });

  it('matches after the form round trip (text → number → text → number)', () => {
    for (const p of SCALE_PRESETS) {
      const result = runSettingsFromForm({ ...defaultRunForm(1), scale: String(p.scale), offset: String(p.offset) }, ['/a.tif'], null);
      expect(result.ok).toBe(true);
      if (!result.ok) continue;
      const { form } = formFromSettings(result.settings);
      expect(matchPreset(Number(form.scale), Number(form.offset))).toBe(p);
    }
    // 1/255 typed with fewer digits is close enough relative to the scale.
    expect(matchPreset(Number('0.00392156862745098'), 0)?.id).toBe('rgb-8bit');
  });

  it('anything else is custom', () => {
    expect(matchPreset(0.0001, 0)).toBeNull();
    expect(matchPreset(0.0001 * (1 + 1e-6), -0.1)).toBeNull();
    expect(matchPreset(1, -0.2)).toBeNull();
    expect(matchPreset(2, 0)).toBeNull();
    expect(matchPreset(0.0000275, -0.2000001)).toBeNull();
    expect(matchPreset(NaN, 0)).toBeNull();
  });
});
