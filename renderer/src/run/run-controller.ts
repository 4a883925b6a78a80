/**
 * The run flow: the form, the estimate, starting and cancelling a run, and
 * following its progress to the end (then its results are shown). A run
 * whose service stopped is shown as interrupted.
 */
import type { RcfApi, RunRecord, RunSettings } from '../../../shared/ipc/contract.js';
import type { AppStore, CurrentRun } from '../state/app-state.js';
import type { MessageBar } from '../ui/messages.js';
import { formatCount, formatDuration } from '../ui/format.js';
import { LatestRequest } from '../requests.js';
import { onSettingsChange, readSettings } from './current-settings.js';
import type { RunForm } from './settings-model.js';

/** What the run flow needs of the others once a run ends. */
export interface RunEnded {
  showResults(run: RunRecord): Promise<void>;
  refreshHistory(): Promise<void>;
}

export class RunController {
  private readonly rcf: RcfApi;
  private readonly store: AppStore;
  private readonly messages: MessageBar;
  private readonly ended: RunEnded;
  private readonly estimates = new LatestRequest();

  constructor(rcf: RcfApi, store: AppStore, messages: MessageBar, ended: RunEnded) {
    this.rcf = rcf;
    this.store = store;
    this.messages = messages;
    this.ended = ended;
    onSettingsChange(store, () => {
      this.estimates.supersede();
      if (this.store.get().estimate.status !== 'none') this.store.patch({ estimate: { status: 'none' } });
    });
    rcf.on('progress', (p) => {
      if (p.runId !== this.store.get().run.id) return;
      if (p.queuePosition !== null) return this.setRun({ progress: { done: 0, total: 1, text: queuedText(p.queuePosition) } });
      const eta = p.etaSeconds === null ? '' : `, ${formatDuration(p.etaSeconds)} left`;
      const text = `${formatCount(p.cellsDone)} of ${formatCount(p.cellsTotal)} cells · ${p.cellsPerSecond.toFixed(1)} cells/s${eta}`;
      this.setRun({ progress: { done: p.cellsDone, total: p.cellsTotal, text } });
      // The history row counts up with the run.
      this.store.update((s) => ({
        ...s,
        history: s.history.map((r) => (r.id === p.runId && r.cells !== p.cellsDone ? { ...r, cells: p.cellsDone } : r)),
      }));
    });
    // A notice (say, "no hardware GPU found") is said once, not on every run.
    const noticed = new Set<string>();
    rcf.on('notice', (n) => {
      if (noticed.has(n.message)) return;
      noticed.add(n.message);
      messages.show('warning', n.message);
    });
    rcf.on('ended', (run) => this.runEnded(run));
    rcf.on('serviceStopped', () => {
      const { running, progress } = this.store.get().run;
      const text = 'interrupted: the featurizer service stopped';
      if (running) this.setRun({ id: null, running: false, progress: { ...progress, text } });
    });
  }

  /** The form as edited, or another one (a history re-run: the run panel then rebuilds its fields). */
  setForm(form: RunForm): void {
    this.store.patch({ form });
  }

  async chooseWeights(): Promise<string | null> {
    return (await this.rcf.chooseWeights({})).path;
  }

  async chooseTraining(): Promise<string[]> {
    return (await this.rcf.chooseRasters({})).paths;
  }

  /** Time and memory for the current settings; only the newest request's answer is shown. */
  async estimate(): Promise<void> {
    const settings = readSettings(this.store);
    if (!settings) return;
    const isNewest = this.estimates.begin();
    this.store.patch({ estimate: { status: 'pending' } });
    try {
      const estimate = await this.rcf.estimate({ settings });
      if (isNewest()) this.store.patch({ estimate: { status: 'done', value: estimate } });
    } catch (error) {
      if (!isNewest()) return;
      this.store.patch({ estimate: { status: 'none' } });
      this.messages.error(error);
    }
  }

  async start(settings: RunSettings | null = readSettings(this.store)): Promise<void> {
    if (!settings) return;
    await this.follow('Starting…', () => this.rcf.startRun({ settings }));
  }

  /** Continues a cancelled or interrupted run where it stopped (its kept cells are not computed again). */
  async resume(runId: string): Promise<void> {
    await this.follow('Resuming…', () => this.rcf.resumeRun({ runId }));
  }

  /** Starts a run through `begin` and follows its progress to the end. */
  private async follow(starting: string, begin: () => Promise<{ runId: string; queuePosition: number | null }>): Promise<void> {
    try {
      this.setRun({ id: null, running: true, progress: { done: 0, total: 1, text: starting } });
      const { runId, queuePosition } = await begin();
      this.setRun({ id: runId, ...(queuePosition === null ? {} : { progress: { done: 0, total: 1, text: queuedText(queuePosition) } }) });
      void this.ended.refreshHistory();
    } catch (error) {
      this.setRun({ running: false });
      this.messages.error(error);
    }
  }

  cancel(): void {
    const runId = this.store.get().run.id;
    if (runId) this.rcf.cancelRun({ runId }).catch((e) => this.messages.error(e));
  }

  private runEnded(run: RunRecord): void {
    if (run.id === this.store.get().run.id) {
      const finished = run.state === 'finished';
      const text = finished ? `Finished: ${formatCount(run.cells)} cells` : `${run.state}: ${run.message ?? ''}`;
      this.setRun({ id: null, running: false, progress: { done: finished ? 1 : 0, total: 1, text } });
      if (run.state === 'failed') this.messages.show('error', run.message ?? 'the run failed');
      if (run.state === 'cancelled') this.messages.show('info', 'Run cancelled.');
      if (finished) void this.ended.showResults(run);
    }
    void this.ended.refreshHistory();
  }

  private setRun(change: Partial<CurrentRun>): void {
    this.store.update((s) => ({ ...s, run: { ...s.run, ...change } }));
  }
}

/** One run works at a time; the others wait in line. */
function queuedText(position: number): string {
  return position === 1 ? 'Queued: next, when the current run ends' : `Queued: number ${position} in line`;
}
