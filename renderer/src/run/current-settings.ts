/** The settings a run would be asked with now: the form, the open rasters and the area. */
import type { RunSettings } from '../../../shared/ipc/contract.js';
import { inputProblems, rasterInputs, type AppState, type AppStore } from '../state/app-state.js';
import { runSettingsFromForm } from './settings-model.js';

/** The settings, or null when the form has problems (which the run panel then lists). */
export function readSettings(store: AppStore): RunSettings | null {
  const state = store.get();
  const result = runSettingsFromForm(state.form, rasterInputs(state), state.area.spec);
  const errors = [...inputProblems(state), ...(result.ok ? [] : result.errors)];
  store.patch({ formErrors: errors });
  return result.ok && errors.length === 0 ? result.settings : null;
}

interface SettingsInputs {
  inputs: string[];
  area: AppState['area'];
  form: AppState['form'];
}

function sameInputs(a: SettingsInputs, b: SettingsInputs): boolean {
  return a.area === b.area && a.form === b.form && a.inputs.length === b.inputs.length && a.inputs.every((p, i) => p === b.inputs[i]);
}

/** Calls `listener` now and whenever the rasters, the area or the form change: what was previewed or estimated is then stale. */
export function onSettingsChange(store: AppStore, listener: () => void): void {
  store.select((s): SettingsInputs => ({ inputs: rasterInputs(s), area: s.area, form: s.form }), listener, sameInputs);
}
