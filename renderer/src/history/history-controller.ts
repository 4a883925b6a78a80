/** The history flow: reading the runs, running one again with its own rasters, area and settings, and resuming a stopped one. */
import { UserError } from '../../../shared/errors/index.js';
import type { AreaSpec, RcfApi, RunRecord, RunSettings } from '../../../shared/ipc/contract.js';
import { rasterInputs, type AppStore } from '../state/app-state.js';
import type { MessageBar } from '../ui/messages.js';
import { formFromSettings, type RunForm } from '../run/settings-model.js';

/** What a re-run needs of the other flows. */
export interface RerunSteps {
  setForm(form: RunForm): void;
  openRasters(paths: string[]): Promise<void>;
  setArea(area: AreaSpec | null): Promise<void>;
  start(settings: RunSettings): Promise<void>;
  resume(runId: string): Promise<void>;
}

export class HistoryController {
  private readonly rcf: RcfApi;
  private readonly store: AppStore;
  private readonly messages: MessageBar;
  private readonly steps: RerunSteps;

  constructor(rcf: RcfApi, store: AppStore, messages: MessageBar, steps: RerunSteps) {
    this.rcf = rcf;
    this.store = store;
    this.messages = messages;
    this.steps = steps;
  }

  async refresh(): Promise<void> {
    try {
      const { runs } = await this.rcf.history({});
      this.store.patch({ history: runs });
    } catch (error) {
      this.messages.error(error);
    }
  }

  /** Continues a cancelled or interrupted run where it stopped. */
  async resume(run: RunRecord): Promise<void> {
    if (this.store.get().run.running) throw new UserError('A run is going: wait for it to end, or cancel it, before resuming another.');
    await this.steps.resume(run.id);
  }

  /** Shows the run's settings, opens its rasters that are not open, sets its area, and starts it. */
  async rerun(run: RunRecord): Promise<void> {
    if (this.store.get().run.running) throw new UserError('A run is going: wait for it to end, or cancel it, before running again.');
    const { form, inputs, area } = formFromSettings(run.settings);
    this.steps.setForm(form);
    const open = new Set(rasterInputs(this.store.get()));
    await this.steps.openRasters(inputs.filter((p) => !open.has(p)));
    await this.steps.setArea(area);
    await this.steps.start(run.settings);
  }
}
